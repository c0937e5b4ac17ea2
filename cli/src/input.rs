//! Invitees from arguments, a text file, a CSV file or standard input, in input order, each once.
use crate::Failure;
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// What the API splits an `invitees` string on.
const SEPARATORS: [char; 5] = [',', ' ', '\t', '\n', '\r'];

pub fn read_file(path: &Path) -> Result<String, Failure> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    text.map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// Every invitee the arguments and the file name, without repeats (addresses compared without regard to
/// ASCII case, as the API compares them; user ids exactly).
pub fn invitees(args: &[String], file: Option<&Path>) -> Result<Vec<String>, Failure> {
    let mut pieces: Vec<String> = args.iter().flat_map(|a| split(a)).collect();
    if let Some(path) = file {
        let text = read_file(path)?;
        let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        match email_column(&text) {
            Some(column) => pieces.extend(from_csv(&text, column, path)?),
            None if is_csv => {
                return Err(Failure::Usage(format!("{}: no `email` column in its header", path.display())))
            }
            None => pieces.extend(split(&text)),
        }
    }
    let mut seen = HashSet::new();
    pieces.retain(|p| seen.insert(if p.contains('@') { p.to_ascii_lowercase() } else { p.clone() }));
    if pieces.is_empty() {
        return Err(Failure::Usage("no invitees: name them as arguments or with --file".into()));
    }
    Ok(pieces)
}

fn split(text: &str) -> Vec<String> {
    text.split(SEPARATORS).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// The index of the `email` column when the first line is a CSV header naming one.
fn email_column(text: &str) -> Option<usize> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().ok()?;
    headers.iter().position(|h| h.trim().eq_ignore_ascii_case("email"))
}

fn from_csv(text: &str, column: usize, path: &Path) -> Result<Vec<String>, Failure> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
        if let Some(cell) = record.get(column).map(str::trim).filter(|c| !c.is_empty()) {
            out.push(cell.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("invitations-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        path
    }

    #[test]
    fn arguments_text_and_csv_merge_in_order_once() {
        let text = file("people.txt", "c@x.io, d@x.io\n\tuser-7\nA@X.IO\n");
        let got = invitees(&["a@x.io,b@x.io".into(), "user-7".into()], Some(&text)).unwrap();
        assert_eq!(got, ["a@x.io", "b@x.io", "user-7", "c@x.io", "d@x.io"]);
        let csv = file("team.csv", "name,Email,team\n\"Doe, Ann\",ann@x.io,red\nBo,,blue\nCy, cy@x.io ,red\n");
        assert_eq!(invitees(&[], Some(&csv)).unwrap(), ["ann@x.io", "cy@x.io"]);
    }

    #[test]
    fn a_csv_without_an_email_column_and_an_empty_input_are_usage_errors() {
        let csv = file("bad.csv", "name,address\nAnn,ann@x.io\n");
        let err = invitees(&[], Some(&csv)).unwrap_err();
        assert!(matches!(&err, Failure::Usage(m) if m.contains("no `email` column")), "{err}");
        assert!(matches!(invitees(&[" , ".into()], None), Err(Failure::Usage(_))));
        let missing = invitees(&[], Some(Path::new("/nonexistent/people.txt"))).unwrap_err();
        assert!(matches!(&missing, Failure::Usage(m) if m.starts_with("/nonexistent/people.txt: ")), "{missing}");
    }
}
