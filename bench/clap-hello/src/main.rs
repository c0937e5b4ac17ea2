use clap::Parser;

/// Says hello.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Whom to greet.
    #[arg(long, default_value = "world")]
    name: String,
}

fn main() {
    println!("hello, {}", Args::parse().name);
}
