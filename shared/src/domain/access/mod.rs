//! Access options, parsed from the request body into types that are valid by construction.
mod text;

use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeSet;
use text::{bad, check_chars, check_len, lower_dash, visible, VISIBLE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessOption {
    Iam,
    CloudFoundry,
    Infrastructure,
}

impl AccessOption {
    pub const ALL: [AccessOption; 3] = [AccessOption::Iam, AccessOption::CloudFoundry, AccessOption::Infrastructure];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessOption::Iam => "iam",
            AccessOption::CloudFoundry => "cloud_foundry",
            AccessOption::Infrastructure => "infrastructure",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IamRole {
    Viewer,
    Operator,
    Editor,
    Administrator,
    Reader,
    Writer,
    Manager,
}

impl IamRole {
    /// Every role, in the order a form offers them.
    pub const ALL: [IamRole; 7] = [
        IamRole::Viewer,
        IamRole::Operator,
        IamRole::Editor,
        IamRole::Administrator,
        IamRole::Reader,
        IamRole::Writer,
        IamRole::Manager,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OrgRole {
    Manager,
    BillingManager,
    Auditor,
}

impl OrgRole {
    pub const ALL: [OrgRole; 3] = [OrgRole::Manager, OrgRole::BillingManager, OrgRole::Auditor];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SpaceRole {
    Manager,
    Developer,
    Auditor,
}

impl SpaceRole {
    pub const ALL: [SpaceRole; 3] = [SpaceRole::Manager, SpaceRole::Developer, SpaceRole::Auditor];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfrastructurePermissions {
    ViewOnly,
    BasicUser,
    SuperUser,
}

impl InfrastructurePermissions {
    pub const ALL: [InfrastructurePermissions; 3] = [Self::ViewOnly, Self::BasicUser, Self::SuperUser];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewOnly => "view_only",
            Self::BasicUser => "basic_user",
            Self::SuperUser => "super_user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamPolicy {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    pub roles: Vec<IamRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    pub region: String,
    pub space: String,
    pub roles: Vec<SpaceRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFoundry {
    pub org: String,
    #[serde(default)]
    pub org_roles: Vec<OrgRole>,
    #[serde(default)]
    pub spaces: Vec<Space>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Infrastructure {
    pub permissions: InfrastructurePermissions,
}

/// The access an invitation grants. Only [`Access::parse`] (and the stores, reading back what it made)
/// construct one, so every value is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    #[serde(serialize_with = "no_access", deserialize_with = "assigned")]
    iam: Option<Vec<IamPolicy>>,
    #[serde(serialize_with = "no_access", deserialize_with = "assigned")]
    cloud_foundry: Option<CloudFoundry>,
    #[serde(serialize_with = "no_access", deserialize_with = "assigned")]
    infrastructure: Option<Infrastructure>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("access: {0}")]
pub struct InvalidAccess(pub String);

fn no_access<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => v.serialize(s),
        None => s.serialize_str("no_access"),
    }
}

/// `"no_access"` and `null` both mean "not assigned"; anything else must be the option's full shape.
fn assigned<'de, T: DeserializeOwned, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
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
        let input: AccessInput = serde_json::from_value(value).map_err(|e| bad(super::refusal::body_problem(&e)))?;
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

    /// The options this access assigns, in a fixed order.
    pub fn options(&self) -> Vec<AccessOption> {
        let mut out = Vec::new();
        if self.iam.is_some() {
            out.push(AccessOption::Iam);
        }
        if self.cloud_foundry.is_some() {
            out.push(AccessOption::CloudFoundry);
        }
        if self.infrastructure.is_some() {
            out.push(AccessOption::Infrastructure);
        }
        out
    }

    /// The first option this access assigns outside `allowed`. Who may act on an invitation or a member
    /// is decided by this, once: whoever may grant every option it holds (`service::Authorized`).
    pub fn first_outside(&self, allowed: &[AccessOption]) -> Option<AccessOption> {
        self.options().into_iter().find(|o| !allowed.contains(o))
    }

    /// The text that the stored form of an access (its JSON as [`serde_json::to_string`] writes it)
    /// holds exactly when `option` is not assigned, so a store can test the rule above in a condition
    /// without reading the access first. Names elsewhere in it are values, whose quotes JSON escapes.
    pub fn unassigned_text(option: AccessOption) -> String {
        format!("\"{}\":\"no_access\"", option.as_str())
    }

    /// One line per assigned option, for the invitation email.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.iam.iter().flatten() {
            let roles: Vec<_> = p.roles.iter().map(|r| format!("{r:?}")).collect();
            let rg = p.resource_group.as_deref().map(|g| format!(" in resource group {g}")).unwrap_or_default();
            out.push(format!("IAM: {} on {}{rg}", roles.join(", "), p.service));
        }
        if let Some(cf) = &self.cloud_foundry {
            let roles: Vec<_> = cf.org_roles.iter().map(|r| format!("{r:?}")).collect();
            let mut line = format!("Cloud Foundry org {}", cf.org);
            if !roles.is_empty() {
                line.push_str(&format!(": {}", roles.join(", ")));
            }
            out.push(line);
            for s in &cf.spaces {
                let roles: Vec<_> = s.roles.iter().map(|r| format!("{r:?}")).collect();
                out.push(format!("Cloud Foundry space {} ({}): {}", s.space, s.region, roles.join(", ")));
            }
        }
        if let Some(i) = &self.infrastructure {
            out.push(format!("Infrastructure: {}", i.permissions.as_str()));
        }
        out
    }
}

#[cfg(test)]
mod tests;
