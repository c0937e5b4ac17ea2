"""The common alternative, for the cold-start benchmark: a Python function that builds the same two
boto3 clients at init (DynamoDB and SES v2) and answers through the Lambda Runtime API."""
import json
import os
import urllib.request

import boto3

dynamodb = boto3.client("dynamodb")
ses = boto3.client("sesv2")

api = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
while True:
    with urllib.request.urlopen(f"{api}/next") as event:
        request_id = event.headers["Lambda-Runtime-Aws-Request-Id"]
        json.load(event)
    body = json.dumps({"statusCode": 200, "body": "hello"}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{api}/{request_id}/response", data=body, method="POST")).read()
