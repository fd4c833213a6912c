//! The official Python SDK's signer computed `tests/vectors/sdk-hmac-sha256.json`;
//! every stage of every vector must match byte for byte.

use hwsms::auth::signer::{CanonicalRequest, StringToSign, authorization, signature};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("vectors/sdk-hmac-sha256.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc["algorithm"], "SDK-HMAC-SHA256");
    doc["vectors"].as_array().unwrap().clone()
}

#[test]
fn every_stage_of_every_vector() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 10, "the vector file holds ten cases");
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let s = |k: &str| v[k].as_str().unwrap();
        let expected = |k: &str| v["expected"][k].as_str().unwrap();

        let mut headers: Vec<(&str, &str)> = vec![("Host", s("host"))];
        for (k, val) in v["headers"].as_object().unwrap() {
            headers.push((k.as_str(), val.as_str().unwrap()));
        }
        let query: Vec<(&str, &str)> = v["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
            .collect();
        let sdk_date = v["headers"]["X-Sdk-Date"].as_str().unwrap();

        let cr = CanonicalRequest::new(
            s("method"),
            s("path"),
            &query,
            &headers,
            s("body").as_bytes(),
        );
        assert_eq!(
            cr.signed_headers(),
            expected("signed_headers"),
            "{name}: signed headers"
        );
        assert_eq!(
            cr.to_string(),
            expected("canonical_request"),
            "{name}: canonical request"
        );

        let sts = StringToSign::new(sdk_date, &cr);
        assert_eq!(
            sts.to_string(),
            expected("string_to_sign"),
            "{name}: string to sign"
        );

        let sig = signature(s("secret_key"), &sts);
        let auth = authorization(s("access_key"), cr.signed_headers(), &sig);
        assert_eq!(auth, expected("authorization"), "{name}: authorization");
    }
}

/// The high-level `sign` (what `fetch_command` uses) agrees with the vectors
/// for every GET vector whose only extra headers are the scope headers.
#[test]
fn sign_matches_vectors_end_to_end() {
    let mut checked = 0;
    for v in vectors() {
        let name = v["name"].as_str().unwrap();
        let h = &v["headers"];
        let extra = h.as_object().unwrap().keys().any(|k| {
            !matches!(
                k.as_str(),
                "X-Sdk-Date" | "X-Project-Id" | "X-Domain-Id" | "X-Security-Token"
            )
        });
        if v["method"] != "GET" || !v["query"].as_array().unwrap().is_empty() || extra {
            continue;
        }
        let mut key = hwsms::AkSk::new(
            v["access_key"].as_str().unwrap(),
            v["secret_key"].as_str().unwrap(),
        );
        if let Some(p) = h["X-Project-Id"].as_str() {
            key = key.project_id(p);
        }
        if let Some(d) = h["X-Domain-Id"].as_str() {
            key = key.domain_id(d);
        }
        if let Some(t) = h["X-Security-Token"].as_str() {
            key = key.security_token(t);
        }
        let at = hwsms::auth::signer::parse_sdk_date(h["X-Sdk-Date"].as_str().unwrap()).unwrap();
        let req = hwsms::auth::signer::SigningRequest::new(
            "GET",
            v["host"].as_str().unwrap(),
            v["path"].as_str().unwrap(),
        );
        let signed = hwsms::auth::signer::sign(&req, &key, at);
        let exp = &v["expected"];
        assert_eq!(
            signed.canonical_request().as_str(),
            exp["canonical_request"],
            "{name}: canonical request"
        );
        assert_eq!(
            signed.string_to_sign().as_str(),
            exp["string_to_sign"],
            "{name}: string to sign"
        );
        assert_eq!(
            signed.authorization(),
            exp["authorization"],
            "{name}: authorization"
        );
        assert!(
            exp["authorization"]
                .as_str()
                .unwrap()
                .ends_with(signed.signature()),
            "{name}: signature"
        );
        checked += 1;
    }
    assert!(
        checked >= 6,
        "only {checked} vectors were end-to-end checked"
    );
}

/// The `post-command-result` vector through the high-level `sign`, as
/// `report_command_result` calls it: `Content-Type` signed, the body hashed.
#[test]
fn post_command_result_vector_end_to_end() {
    let v = vectors()
        .into_iter()
        .find(|v| v["name"] == "post-command-result")
        .expect("the POST vector");
    let h = &v["headers"];
    let key = hwsms::AkSk::new(
        v["access_key"].as_str().unwrap(),
        v["secret_key"].as_str().unwrap(),
    )
    .project_id(h["X-Project-Id"].as_str().unwrap());
    let at = hwsms::auth::signer::parse_sdk_date(h["X-Sdk-Date"].as_str().unwrap()).unwrap();
    let headers = [("Content-Type", h["Content-Type"].as_str().unwrap())];
    let body = v["body"].as_str().unwrap();
    // The body report_command_result writes for START/success/{"k":"v"}.
    assert_eq!(
        body,
        r#"{"command_name":"START","result":"success","result_detail":{"k":"v"}}"#
    );
    let req = hwsms::auth::signer::SigningRequest::new(
        "POST",
        v["host"].as_str().unwrap(),
        v["path"].as_str().unwrap(),
    )
    .headers(&headers)
    .body(body.as_bytes());
    let signed = hwsms::auth::signer::sign(&req, &key, at);
    let exp = &v["expected"];
    assert_eq!(
        signed.canonical_request().as_str(),
        exp["canonical_request"]
    );
    assert_eq!(signed.authorization(), exp["authorization"]);
}
