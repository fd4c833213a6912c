//! The stand-in's answers to the other calls an agent makes (RegisterServer,
//! ShowConfig, UpdateTaskSpeed, ShowCertKey, ShowPassphrase,
//! UpdateNetworkCheckInfo, UpdateConsistencyResult) and to a source list
//! for the generic call. Every body is checked as SMS's API reference
//! says; a bad one gets SMS's 400 naming the field.

use serde_json::{Value, json};

use super::{Reply, Request};

/// The id a registration gets.
pub const REGISTERED_ID: &str = "5c1e6d2a-8f3b-4c7d-9e0a-1b2c3d4e5f60";
/// The passphrase every task has.
pub const PASSPHRASE: &str = "pass\"phrase\\with escapes";
/// A private key as ShowCertKey hands it out (test material, not a key).
pub const PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIStandInKeyStandInKeyStandInKey00\n-----END PRIVATE KEY-----\n";
/// A certificate as ShowCertKey hands it out.
pub const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBStandInCert\n-----END CERTIFICATE-----\n";

/// The answer to an agent call, or None when `req` is not one.
pub fn answer(req: &Request) -> Option<Reply> {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let reply = match (req.method.as_str(), segments.as_slice()) {
        ("POST", ["v3", "sources"]) => checked(&req.body, check_registration)
            .map(|_| Reply::json(200, &json!({ "id": REGISTERED_ID }).to_string())),
        ("GET", ["v3", "sources"]) => Ok(Reply::json(
            200,
            &json!({"count": 1, "source_servers": [{"id": REGISTERED_ID, "name": "web-01"}],
                    "query": query})
            .to_string(),
        )),
        ("GET", ["v3", "config"]) => Ok(Reply::json(
            200,
            r#"{"config":{"main_region":"ap-southeast-3","obs_domain":"obs.ap-southeast-3.myhuaweicloud.com"},"regions":[{"id":"ap-southeast-3","name":"AP-Singapore"},{"id":"cn-north-4","name":"CN North-Beijing4"}]}"#,
        )),
        (_, ["v3", "tasks", "missing-task", ..]) | (_, ["v3", "missing-task", _]) => {
            Ok(Reply::json(
                404,
                r#"{"error_code":"SMS.1204","error_msg":"the task does not exist"}"#,
            ))
        }
        ("PUT", ["v3", "tasks", _, "progress"]) => {
            checked(&req.body, check_progress).map(|_| Reply::json(200, ""))
        }
        ("GET", ["v3", "tasks", _, "certkey"]) => cert_key(query),
        ("GET", ["v3", "tasks", task, "passphrase"]) => Ok(Reply::json(
            200,
            &json!({ "task_id": task, "passphrase": PASSPHRASE }).to_string(),
        )),
        ("POST", ["v3", task, "update-network-check-info"]) => checked(&req.body, check_network)
            .map(|_| Reply::json(200, &json!({ "task_id": task }).to_string())),
        ("POST", ["v3", "tasks", _, "consistency-result"]) => {
            checked(&req.body, check_consistency).map(|_| Reply::json(200, "\"success\""))
        }
        _ => return None,
    };
    Some(reply.unwrap_or_else(|field| {
        Reply::json(
            400,
            &json!({"error_code": "SMS.9999", "error_msg": format!("invalid request body: {field}")})
                .to_string(),
        )
    }))
}

fn checked(body: &[u8], check: fn(&Value) -> Result<(), String>) -> Result<(), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    check(&v)
}

fn text(v: &Value, key: &str) -> Result<(), String> {
    match v.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(()),
        _ => Err(key.to_string()),
    }
}

fn number(v: &Value, key: &str) -> Result<(), String> {
    v.get(key)
        .filter(|n| n.is_number())
        .map(drop)
        .ok_or(key.to_string())
}

fn integer(v: &Value, key: &str, max: u64) -> Result<(), String> {
    v.get(key)
        .and_then(Value::as_u64)
        .filter(|n| *n <= max)
        .map(drop)
        .ok_or(key.to_string())
}

fn check_registration(v: &Value) -> Result<(), String> {
    for key in ["name", "os_version", "agent_version"] {
        text(v, key)?;
    }
    if !matches!(v["os_type"].as_str(), Some("LINUX" | "WINDOWS")) {
        return Err("os_type".into());
    }
    if v.get("ip").is_some() == v.get("ipv6").is_some() {
        return Err("exactly one of ip and ipv6".into());
    }
    let first_mac = v["networks"][0]["mac"].as_str().unwrap_or_default();
    if first_mac.is_empty() {
        return Err("networks[0].mac".into());
    }
    Ok(())
}

fn check_progress(v: &Value) -> Result<(), String> {
    text(v, "subtask_name")?;
    integer(v, "progress", 100)?;
    integer(v, "replicatesize", u64::MAX)?;
    integer(v, "totalsize", u64::MAX)?;
    v.get("process_trace")
        .filter(|t| t.is_string())
        .ok_or("process_trace")?;
    Ok(())
}

fn check_network(v: &Value) -> Result<(), String> {
    for key in [
        "network_delay",
        "network_jitter",
        "migration_speed",
        "loss_percentage",
        "cpu_usage",
        "mem_usage",
    ] {
        number(v, key)?;
    }
    text(v, "evaluation_result")
}

fn check_consistency(v: &Value) -> Result<(), String> {
    let dirs = v["consistency_result"]
        .as_array()
        .filter(|d| (1..=30).contains(&d.len()))
        .ok_or("consistency_result")?;
    for d in dirs {
        text(d, "dir_check")?;
        for key in [
            "num_total_files",
            "num_different_files",
            "num_target_miss_files",
            "num_target_more_files",
        ] {
            integer(d, key, u64::MAX)?;
        }
    }
    Ok(())
}

fn cert_key(query: &str) -> Result<Reply, String> {
    let with_ca = match query {
        "enable_ca_cert=true" => true,
        "enable_ca_cert=false" => false,
        _ => return Err("enable_ca_cert".into()),
    };
    let mut set = json!({
        "cert": CERT, "private_key": PRIVATE_KEY,
        "target_mgmt_cert": CERT, "target_mgmt_private_key": PRIVATE_KEY,
        "target_data_cert": CERT, "target_data_private_key": PRIVATE_KEY,
    });
    if with_ca {
        set["ca"] = CERT.into();
    }
    Ok(Reply::json(200, &set.to_string()))
}
