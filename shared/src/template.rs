//! `template.yaml`'s operations side, checked: a sweep that fails lands somewhere an alarm watches, the
//! alarms an operator needs exist and notify, and the console is served as it must be. The route table's check is in `http/routes.rs`, the
//! policies' in `tests/e2e/iam/`.
use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tagged<'a>(v: &'a Value, tag: &str) -> Option<&'a str> {
    match v {
        Value::Tagged(t) if t.tag == tag => t.value.as_str(),
        _ => None,
    }
}

/// The logical id of a resource of type `kind` named by `!Ref` or `!GetAtt <id>.<attribute>`.
fn target<'a>(yaml: &Value, v: &'a Value, kind: &str) -> &'a str {
    let id = tagged(v, "!Ref").or_else(|| tagged(v, "!GetAtt").and_then(|a| a.split('.').next()));
    let id = id.unwrap_or_else(|| panic!("not a reference: {v:?}"));
    assert_eq!(yaml["Resources"][id]["Type"].as_str(), Some(kind), "{id}");
    id
}

/// One metric an alarm reads: namespace, name, and its dimensions by name.
struct Metric<'a> {
    namespace: &'a str,
    name: &'a str,
    dimensions: Vec<(&'a str, &'a Value)>,
}

/// The alarms of the template with the metrics each reads, alone or in metric math.
fn alarms(yaml: &Value) -> Vec<(&str, &Value, Vec<Metric<'_>>)> {
    let resources = yaml["Resources"].as_mapping().unwrap();
    let alarms = resources.iter().filter(|(_, r)| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"));
    alarms
        .map(|(id, r)| {
            let p = &r["Properties"];
            let stats = p["Metrics"].as_sequence().into_iter().flatten().map(|m| &m["MetricStat"]["Metric"]);
            let metrics = std::iter::once(p)
                .chain(stats)
                .filter(|m| m["MetricName"].is_string())
                .map(|m| Metric {
                    namespace: m["Namespace"].as_str().unwrap(),
                    name: m["MetricName"].as_str().unwrap(),
                    dimensions: m["Dimensions"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                        .map(|d| (d["Name"].as_str().unwrap(), &d["Value"]))
                        .collect(),
                })
                .collect();
            (id.as_str().unwrap(), p, metrics)
        })
        .collect()
}

/// The alarm reading `namespace`/`name` whose dimension `dimension` is a reference to `resource`.
fn alarm_on<'a>(yaml: &'a Value, namespace: &str, name: &str, dimension: &str, resource: &str) -> &'a Value {
    let refers = |v: &Value| {
        tagged(v, "!Ref").or_else(|| tagged(v, "!GetAtt").and_then(|a| a.split('.').next())) == Some(resource)
    };
    let found = alarms(yaml).into_iter().find(|(_, _, metrics)| {
        metrics.iter().any(|m| {
            m.namespace == namespace && m.name == name && m.dimensions.iter().any(|(d, v)| *d == dimension && refers(v))
        })
    });
    found.unwrap_or_else(|| panic!("no alarm on {namespace} {name} of {resource}")).1
}

#[test]
fn a_failed_sweep_lands_in_a_queue_an_alarm_watches() {
    let yaml = template();
    let config = &yaml["Resources"]["ResendFunction"]["Properties"]["EventInvokeConfig"];
    let on_failure = &config["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"].as_str(), Some("SQS"), "the sweep's failed invocations go to a queue");
    let queue = target(&yaml, &on_failure["Destination"], "AWS::SQS::Queue");
    assert!(config["MaximumRetryAttempts"].as_u64().is_some(), "its retries are chosen, not defaulted");
    let alarm = alarm_on(&yaml, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue);
    assert_eq!(
        (alarm["ComparisonOperator"].as_str(), alarm["Threshold"].as_u64()),
        (Some("GreaterThanThreshold"), Some(0)),
        "one message is one failed sweep"
    );
}

#[test]
fn alarms_watch_the_api_the_sweep_and_the_mail() {
    let yaml = template();
    alarm_on(&yaml, "AWS/ApiGateway", "5xx", "ApiId", "InvitationsApi");
    alarm_on(&yaml, "AWS/Lambda", "Errors", "FunctionName", "ResendFunction");
    for metric in ["Bounce", "Complaint"] {
        let alarm = alarm_on(&yaml, "AWS/SES", metric, "ses:configuration-set", "InvitationEmails");
        let reads_sends = alarm["Metrics"]
            .as_sequence()
            .into_iter()
            .flatten()
            .any(|m| m["MetricStat"]["Metric"]["MetricName"].as_str() == Some("Send"));
        assert!(reads_sends, "the {metric} alarm is on a rate: {metric}s per send");
    }
    for (id, alarm, _) in alarms(&yaml) {
        let actions = alarm["AlarmActions"].as_sequence().unwrap_or_else(|| panic!("{id} notifies no one"));
        for action in actions {
            target(&yaml, action, "AWS::SNS::Topic");
        }
    }
}

#[test]
fn every_sender_sends_through_the_configuration_set_whose_events_reach_cloudwatch() {
    let yaml = template();
    for function in ["InviteFunction", "ResendFunction", "SendFunction"] {
        let vars = &yaml["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert_eq!(target(&yaml, &vars["SES_CONFIGURATION_SET"], "AWS::SES::ConfigurationSet"), "InvitationEmails");
    }
    let resources = yaml["Resources"].as_mapping().unwrap();
    let destination = resources
        .values()
        .find(|r| {
            r["Type"].as_str() == Some("AWS::SES::ConfigurationSetEventDestination")
                && tagged(&r["Properties"]["ConfigurationSetName"], "!Ref") == Some("InvitationEmails")
        })
        .expect("an event destination of the set");
    let events = &destination["Properties"]["EventDestination"];
    let types: Vec<&str> =
        events["MatchingEventTypes"].as_sequence().unwrap().iter().filter_map(Value::as_str).collect();
    for t in ["send", "bounce", "complaint"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let dimension = &events["CloudWatchDestination"]["DimensionConfigurations"][0];
    assert_eq!(dimension["DimensionName"].as_str(), Some("ses:configuration-set"));
}

#[test]
fn the_stream_feeds_the_events_function_and_failed_batches_land_in_a_watched_queue() {
    let yaml = template();
    let table = &yaml["Resources"]["InvitationsTable"]["Properties"];
    assert_eq!(table["StreamSpecification"]["StreamViewType"].as_str(), Some("NEW_AND_OLD_IMAGES"), "both images");

    let resources = yaml["Resources"].as_mapping().unwrap();
    let (id, function) = resources
        .iter()
        .find(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some("events"))
        .expect("a function built from the events binary");
    let id = id.as_str().unwrap();
    let props = &function["Properties"];
    let source = props["Events"].as_mapping().unwrap().values().find(|e| e["Type"].as_str() == Some("DynamoDB"));
    let mapping = &source.expect("a DynamoDB stream event source")["Properties"];
    assert_eq!(tagged(&mapping["Stream"], "!GetAtt"), Some("InvitationsTable.StreamArn"));
    let types: Vec<&str> =
        mapping["FunctionResponseTypes"].as_sequence().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(types, ["ReportBatchItemFailures"], "a record whose events failed is reported, not the batch");
    assert_eq!(mapping["BisectBatchOnFunctionError"].as_bool(), Some(true));
    for chosen in ["BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds"] {
        assert!(mapping[chosen].as_i64().is_some(), "{chosen} is chosen, not defaulted");
    }
    // A record given up on must still be in the stream (24 hours) when someone reads its position.
    assert!(mapping["MaximumRecordAgeInSeconds"].as_i64().unwrap() < 24 * 3600);
    let on_failure = &mapping["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"].as_str(), Some("SQS"));
    let queue = target(&yaml, &on_failure["Destination"], "AWS::SQS::Queue");
    let alarm = alarm_on(&yaml, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue);
    assert_eq!(alarm["Threshold"].as_u64(), Some(0), "one message is a batch given up on");
    alarm_on(&yaml, "AWS/Lambda", "IteratorAge", "FunctionName", id);

    // It publishes to the template's own bus, and may do nothing else there but read the bus once, its
    // init warm-up.
    let bus = target(&yaml, &props["Environment"]["Variables"]["EVENT_BUS_NAME"], "AWS::Events::EventBus");
    let statements = props["Policies"][0]["Statement"].as_sequence().unwrap();
    assert_eq!(statements.len(), 1, "{statements:?}");
    let actions: Vec<&str> =
        statements[0]["Action"].as_sequence().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(actions, ["events:PutEvents", "events:DescribeEventBus"]);
    assert_eq!(tagged(&statements[0]["Resource"], "!GetAtt"), Some(format!("{bus}.Arn").as_str()));
}

#[test]
fn every_sender_hands_on_to_the_send_queue_the_paced_sender_drains() {
    let yaml = template();
    let resources = yaml["Resources"].as_mapping().unwrap();
    for function in ["InviteFunction", "ResendFunction", "SendFunction"] {
        let vars = &yaml["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert_eq!(target(&yaml, &vars["SEND_QUEUE_URL"], "AWS::SQS::Queue"), "SendQueue", "{function}");
        assert_eq!(tagged(&vars["SEND_RATE"], "!Ref"), Some("SendRate"), "{function}: the configured rate");
    }
    let mappings: Vec<&Value> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Lambda::EventSourceMapping"))
        .map(|r| &r["Properties"])
        .filter(|p| tagged(&p["EventSourceArn"], "!GetAtt") == Some("SendQueue.Arn"))
        .collect();
    let [mapping] = mappings.as_slice() else { panic!("one mapping drains the send queue: {mappings:?}") };
    assert_eq!(target(&yaml, &mapping["FunctionName"], "AWS::Serverless::Function"), "SendFunction");
    let responses = mapping["FunctionResponseTypes"].as_sequence().unwrap();
    assert!(responses.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures")), "partial batch failures");
    let concurrency = mapping["ScalingConfig"]["MaximumConcurrency"].as_u64().expect("bounded concurrency");
    assert!((2..=10).contains(&concurrency), "{concurrency}");
    // No SAM event on the function: it would attach a managed policy on every queue of the account.
    assert!(yaml["Resources"]["SendFunction"]["Properties"]["Events"].is_null());

    // The queue's messages outlive the function's retries: five receives, then the dead letters, alarmed.
    let queue = &yaml["Resources"]["SendQueue"]["Properties"];
    let timeout = yaml["Resources"]["SendFunction"]["Properties"]["Timeout"].as_u64().unwrap();
    assert!(queue["VisibilityTimeout"].as_u64().unwrap() >= 6 * timeout, "visibility covers six invocations");
    let redrive = &queue["RedrivePolicy"];
    assert!(redrive["maxReceiveCount"].as_u64().unwrap() >= 3);
    let dead = target(&yaml, &redrive["deadLetterTargetArn"], "AWS::SQS::Queue");
    let alarm = alarm_on(&yaml, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead);
    assert_eq!(alarm["Threshold"].as_u64(), Some(0), "one dead letter is one email the sender gave up on");

    // Lambda's polling is granted on the send queue alone.
    let polling = resources
        .values()
        .find(|r| {
            r["Type"].as_str() == Some("AWS::IAM::Policy")
                && r["Properties"]["Roles"]
                    .as_sequence()
                    .is_some_and(|roles| roles.iter().any(|role| tagged(role, "!Ref") == Some("SendFunctionRole")))
        })
        .expect("a polling policy on the sender's role");
    for st in polling["Properties"]["PolicyDocument"]["Statement"].as_sequence().unwrap() {
        assert_eq!(tagged(&st["Resource"], "!GetAtt"), Some("SendQueue.Arn"), "{st:?}");
    }
}

#[test]
fn an_email_that_times_out_gives_up_before_its_request_does() {
    // An invite or resend whose send hangs answers with the invitation `processing` (the sweep retries
    // it) rather than being cut off with nothing answered: the send gives up within the 29 s the API's
    // functions have (API Gateway's HTTP API waits 30 s at most, whatever a function's own timeout).
    let timeout = template()["Globals"]["Function"]["Timeout"].as_u64().expect("the functions' timeout");
    assert!(timeout <= 29, "{timeout} s");
    assert!(crate::adapters::aws::SES_OPERATION_TIMEOUT.as_secs() < timeout);
}

#[test]
fn the_console_is_served_on_the_api_signs_in_with_its_issuer_and_may_call_nothing() {
    let yaml = template();
    let resources = yaml["Resources"].as_mapping().unwrap();
    let (id, function) = resources
        .iter()
        .find(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some("console"))
        .expect("a function built from the console binary");
    let (id, props) = (id.as_str().unwrap(), &function["Properties"]);
    // No policy of its own and no tracing: its role is SAM's basic execution role, its logs alone.
    assert!(props["Policies"].is_null() && props["Role"].is_null(), "{id} is granted nothing");
    assert_eq!(props["Tracing"].as_str(), Some("PassThrough"), "{id}: tracing would add X-Ray's policy");
    // It signs in with the issuer the API's authorizer trusts.
    let jwt = &yaml["Resources"]["InvitationsApi"]["Properties"]["Auth"]["Authorizers"]["Jwt"]["JwtConfiguration"];
    let vars = &props["Environment"]["Variables"];
    assert_eq!(tagged(&jwt["issuer"], "!Ref"), Some("JwtIssuer"));
    assert_eq!(tagged(&vars["OIDC_ISSUER"], "!Ref"), Some("JwtIssuer"), "the authorizer's issuer");
    for (var, parameter) in [
        ("OIDC_CLIENT_ID", "ConsoleClientId"),
        ("OIDC_SCOPES", "ConsoleScopes"),
        ("OIDC_TOKEN_ORIGIN", "ConsoleTokenOrigin"),
    ] {
        assert_eq!(tagged(&vars[var], "!Ref"), Some(parameter), "{var}");
        assert_eq!(yaml["Parameters"][parameter]["Type"].as_str(), Some("String"), "{parameter}");
    }
    // Its routes are on the API itself, so the page and the API share an origin and need no CORS.
    for event in props["Events"].as_mapping().unwrap().values() {
        assert_eq!(event["Type"].as_str(), Some("HttpApi"));
        assert_eq!(target(&yaml, &event["Properties"]["ApiId"], "AWS::Serverless::HttpApi"), "InvitationsApi");
    }
    let url = yaml["Outputs"]["ConsoleUrl"]["Value"].clone();
    assert!(tagged(&url, "!Sub").is_some_and(|u| u.contains("${InvitationsApi}") && u.ends_with('/')), "{url:?}");
}
