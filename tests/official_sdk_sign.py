"""Re-sign a captured request with Huawei's official Python SDK signer.

Reads JSON from stdin: {"method", "host", "path", "headers": {name: value}, "body", "ak", "sk"}
where headers are exactly those the request named in SignedHeaders (Host
included) - what the API gateway does. Prints the Authorization value the
official signer computes for them.
"""
import json
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

req = json.load(sys.stdin)
creds = BasicCredentials(ak=req["ak"], sk=req["sk"])
sdk_request = SdkRequest(
    method=req["method"],
    schema="https",
    host=req["host"],
    resource_path=req["path"],
    query_params=[],
    header_params=dict(req["headers"]),
    body=req.get("body", ""),
)
signed = Signer(creds).sign(sdk_request)
print(signed.header_params["Authorization"])
