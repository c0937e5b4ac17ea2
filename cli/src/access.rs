//! Access from flags, as the API's `access` object. The flags check their own syntax and role names so
//! that a typo stops the command before any request; the API judges the rest (lengths, who may grant
//! what) and its 400 stops the command with nothing sent.
use crate::Failure;
use clap::Args;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::str::FromStr;

const IAM_ROLES: &[&str] = &["Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager"];
const ORG_ROLES: &[&str] = &["Manager", "BillingManager", "Auditor"];
const SPACE_ROLES: &[&str] = &["Manager", "Developer", "Auditor"];

/// A role name as the API spells it, matched without regard to case.
fn role(raw: &str, names: &[&'static str], what: &str) -> Result<&'static str, String> {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(raw.trim()))
        .copied()
        .ok_or_else(|| format!("unknown {what} {raw:?} (one of {})", names.join(", ")))
}

fn roles(raw: &str, names: &[&'static str], what: &str) -> Result<Vec<&'static str>, String> {
    raw.split(',').map(|r| role(r, names, what)).collect()
}

pub fn org_role(raw: &str) -> Result<&'static str, String> {
    role(raw, ORG_ROLES, "org role")
}

/// `SERVICE[@RESOURCE_GROUP]=ROLE[,ROLE…]`
#[derive(Clone, Debug)]
pub struct Iam(Value);

impl FromStr for Iam {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (target, list) = s.rsplit_once('=').ok_or("expected SERVICE[@RESOURCE_GROUP]=ROLE[,ROLE…]")?;
        let roles = roles(list, IAM_ROLES, "IAM role")?;
        let mut policy = match target.split_once('@') {
            Some((service, group)) => json!({"service": service, "resource_group": group}),
            None => json!({"service": target}),
        };
        policy["roles"] = json!(roles);
        Ok(Iam(policy))
    }
}

/// `REGION/SPACE=ROLE[,ROLE…]`
#[derive(Clone, Debug)]
pub struct Space(Value);

impl FromStr for Space {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (target, list) = s.rsplit_once('=').ok_or("expected REGION/SPACE=ROLE[,ROLE…]")?;
        let (region, space) = target.split_once('/').ok_or("expected REGION/SPACE=ROLE[,ROLE…]")?;
        let roles = roles(list, SPACE_ROLES, "space role")?;
        Ok(Space(json!({"region": region, "space": space, "roles": roles})))
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Infra {
    ViewOnly,
    BasicUser,
    SuperUser,
}

/// The access flags of `invite`.
#[derive(Args)]
pub struct AccessFlags {
    /// An IAM policy, SERVICE[@RESOURCE_GROUP]=ROLE[,ROLE…] (roles: Viewer, Operator, Editor,
    /// Administrator, Reader, Writer, Manager); repeat for more.
    #[arg(long, value_name = "POLICY")]
    pub iam: Vec<Iam>,
    /// The Cloud Foundry org to grant.
    #[arg(long, value_name = "ORG")]
    pub cf_org: Option<String>,
    /// A Cloud Foundry org role (Manager, BillingManager, Auditor); repeat for more.
    #[arg(long, value_name = "ROLE", requires = "cf_org", value_parser = org_role)]
    pub cf_org_role: Vec<&'static str>,
    /// A Cloud Foundry space, REGION/SPACE=ROLE[,ROLE…] (roles: Manager, Developer, Auditor); repeat.
    #[arg(long, value_name = "SPACE", requires = "cf_org")]
    pub cf_space: Vec<Space>,
    /// Classic infrastructure permissions.
    #[arg(long, value_enum)]
    pub infra: Option<Infra>,
    /// The whole `access` object as the API takes it, in a JSON file, instead of the flags.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["iam", "cf_org", "infra"])]
    pub access_file: Option<PathBuf>,
}

/// The `access` object the flags (or the access file) describe; at least one option is required.
pub fn from_args(args: &AccessFlags) -> Result<Value, Failure> {
    if let Some(path) = &args.access_file {
        let text = crate::input::read_file(path)?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| Failure::Usage(format!("{}: not JSON: {e}", path.display())))?;
        if value.as_object().is_none_or(|o| o.is_empty()) {
            return Err(Failure::Usage(format!("{}: the access must be a JSON object with an option", path.display())));
        }
        return Ok(value);
    }
    let mut access = Map::new();
    if !args.iam.is_empty() {
        access.insert("iam".into(), args.iam.iter().map(|p| p.0.clone()).collect());
    }
    if let Some(org) = &args.cf_org {
        let spaces: Vec<Value> = args.cf_space.iter().map(|s| s.0.clone()).collect();
        access.insert("cloud_foundry".into(), json!({"org": org, "org_roles": args.cf_org_role, "spaces": spaces}));
    }
    if let Some(infra) = args.infra {
        let name = clap::ValueEnum::to_possible_value(&infra).expect("every value has a name");
        access.insert("infrastructure".into(), json!({"permissions": name.get_name()}));
    }
    if access.is_empty() {
        return Err(Failure::Usage(
            "give at least one access option: --iam, --cf-org, --infra or --access-file".into(),
        ));
    }
    Ok(Value::Object(access))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_into_the_apis_shapes() {
        let iam: Iam = "cloud-object-storage@Default Group=viewer,WRITER".parse().unwrap();
        assert_eq!(
            iam.0,
            json!({"service": "cloud-object-storage", "resource_group": "Default Group", "roles": ["Viewer", "Writer"]})
        );
        let plain: Iam = "kms=Manager".parse().unwrap();
        assert_eq!(plain.0, json!({"service": "kms", "roles": ["Manager"]}));
        let space: Space = "us-south/dev/blue=developer".parse().unwrap();
        assert_eq!(space.0, json!({"region": "us-south", "space": "dev/blue", "roles": ["Developer"]}));
        assert_eq!(org_role("billingmanager"), Ok("BillingManager"));
    }

    #[test]
    fn unknown_roles_and_shapes_are_refused_with_the_choices() {
        let err = "kms=Owner".parse::<Iam>().unwrap_err();
        assert!(err.contains("unknown IAM role \"Owner\"") && err.contains("Viewer"), "{err}");
        assert!("kms".parse::<Iam>().is_err());
        assert!("us-south=Developer".parse::<Space>().is_err());
        assert!("us-south/dev=Owner".parse::<Space>().is_err());
        assert!(org_role("Developer").is_err());
    }
}
