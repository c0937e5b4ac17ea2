use super::*;

#[test]
fn a_key_still_running_is_told_apart_from_a_key_reused_and_says_when_to_retry() {
    let running = ApiError::from(IdempotencyError::StillRunning).into_response();
    assert_eq!(running.status(), StatusCode::CONFLICT);
    assert_eq!(running.headers()["retry-after"], "1");
    let body: serde_json::Value = serde_json::from_slice(running.body()).unwrap();
    assert_eq!(body["error"]["code"], "idempotency_in_progress");
    let reused = ApiError::from(IdempotencyError::OtherRequest).into_response();
    let body: serde_json::Value = serde_json::from_slice(reused.body()).unwrap();
    assert_eq!((reused.status(), body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_conflict")));
    assert!(reused.headers().get("retry-after").is_none());
}
