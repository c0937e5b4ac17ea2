//! Reading an access object from a request: serde for the shape, then every rule the shape cannot say.
use super::text::{bad, check_chars, check_len, lower_dash, visible, VISIBLE};
use super::{Access, CloudFoundry, IamPolicy, Infrastructure, InvalidAccess};
use serde::{de::DeserializeOwned, Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeSet;

/// `"no_access"` and `null` both mean "not assigned"; anything else must be the option's full shape.
pub(super) fn assigned<'de, T: DeserializeOwned, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s == "no_access" => Ok(None),
        v => T::deserialize(v).map(Some).map_err(serde::de::Error::custom),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessInput {
    #[serde(default, deserialize_with = "assigned")]
    iam: Option<Vec<IamPolicy>>,
    #[serde(default, deserialize_with = "assigned")]
    cloud_foundry: Option<CloudFoundry>,
    #[serde(default, deserialize_with = "assigned")]
    infrastructure: Option<Infrastructure>,
}

/// Where `value` has an array in the place of an object: serde reads a struct from an array of its
/// fields in order too, and the API's options, policies and spaces are objects only.
fn array_for_object(value: &Value) -> Option<&'static str> {
    let any_array = |v: &Value| v.as_array().is_some_and(|items| items.iter().any(Value::is_array));
    if value["infrastructure"].is_array() {
        Some("infrastructure")
    } else if value["cloud_foundry"].is_array() {
        Some("cloud_foundry")
    } else if any_array(&value["cloud_foundry"]["spaces"]) {
        Some("each cloud_foundry space")
    } else if any_array(&value["iam"]) {
        Some("each iam policy")
    } else {
        None
    }
}

fn no_repeats<T: Ord + Copy>(what: &str, roles: &[T]) -> Result<(), InvalidAccess> {
    if roles.iter().collect::<BTreeSet<_>>().len() != roles.len() {
        return Err(bad(format!("{what} must not repeat a role")));
    }
    Ok(())
}

impl Access {
    pub fn parse(value: Value) -> Result<Self, InvalidAccess> {
        if !value.is_object() {
            return Err(bad("must be an object"));
        }
        if let Some(what) = array_for_object(&value) {
            return Err(bad(format!("{what} must be an object")));
        }
        let input: AccessInput =
            serde_json::from_value(value).map_err(|e| bad(crate::domain::refusal::body_problem(&e)))?;
        let access =
            Access { iam: input.iam, cloud_foundry: input.cloud_foundry, infrastructure: input.infrastructure };
        access.check()?;
        Ok(access)
    }

    fn check(&self) -> Result<(), InvalidAccess> {
        if self.options().is_empty() {
            return Err(bad("assign at least one of iam, cloud_foundry, infrastructure"));
        }
        if let Some(policies) = &self.iam {
            if policies.is_empty() || policies.len() > 20 {
                return Err(bad("iam must have 1 to 20 policies"));
            }
            for p in policies {
                check_len("iam service", &p.service, 64)?;
                check_chars("iam service", &p.service, lower_dash, "a-z, 0-9 and -")?;
                if let Some(rg) = &p.resource_group {
                    check_len("iam resource_group", rg, 64)?;
                    let ok = |c: char| c.is_ascii_alphanumeric() || " _-".contains(c);
                    check_chars("iam resource_group", rg, ok, "A-Z, a-z, 0-9, space, _ and -")?;
                }
                if p.roles.is_empty() {
                    return Err(bad("iam roles must not be empty"));
                }
                no_repeats("iam roles", &p.roles)?;
            }
        }
        if let Some(cf) = &self.cloud_foundry {
            check_len("cloud_foundry org", &cf.org, 64)?;
            check_chars("cloud_foundry org", &cf.org, visible, VISIBLE)?;
            no_repeats("cloud_foundry org_roles", &cf.org_roles)?;
            if cf.spaces.len() > 20 {
                return Err(bad("cloud_foundry spaces must be at most 20"));
            }
            if cf.org_roles.is_empty() && cf.spaces.is_empty() {
                return Err(bad("cloud_foundry needs at least one org role or one space"));
            }
            for s in &cf.spaces {
                check_len("cloud_foundry space region", &s.region, 32)?;
                check_chars("cloud_foundry space region", &s.region, lower_dash, "a-z, 0-9 and -")?;
                check_len("cloud_foundry space", &s.space, 64)?;
                check_chars("cloud_foundry space", &s.space, visible, VISIBLE)?;
                if s.roles.is_empty() {
                    return Err(bad("cloud_foundry space roles must not be empty"));
                }
                no_repeats("cloud_foundry space roles", &s.roles)?;
            }
        }
        Ok(())
    }
}
