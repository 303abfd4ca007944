use clap::Parser;
use marquee::config::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    marquee::telemetry::init(&cli.settings.log, cli.settings.log_format);
    marquee::cli::run(cli).await
}
