//! Access options, parsed from the request body into types that are valid by construction.
mod parse;
mod text;

use serde::{Deserialize, Serialize, Serializer};

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
    #[serde(serialize_with = "no_access", deserialize_with = "parse::assigned")]
    iam: Option<Vec<IamPolicy>>,
    #[serde(serialize_with = "no_access", deserialize_with = "parse::assigned")]
    cloud_foundry: Option<CloudFoundry>,
    #[serde(serialize_with = "no_access", deserialize_with = "parse::assigned")]
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

impl Access {
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
