//! The folders the tests write in: a run's stay until a later run starts, which removes them.
use e2e::local_server::{remove_ended_runs, run_folder, temp_dir};

#[test]
fn the_folders_of_ended_runs_go_and_running_ones_stay() {
    let mut ended = std::process::Command::new("true").spawn().unwrap();
    let ended_pid = ended.id();
    ended.wait().unwrap();
    let gone = run_folder(ended_pid);
    std::fs::create_dir_all(gone.join("cli-x")).unwrap();
    let mine = temp_dir("kept");
    remove_ended_runs();
    assert!(!gone.exists(), "{} is left", gone.display());
    assert!(mine.exists(), "this run's {} went", mine.display());
}
