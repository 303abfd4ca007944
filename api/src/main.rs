use clap::Parser;
use marquee::config::Cli;

/// mimalloc in place of glibc's malloc, which took a quarter of the CPU
/// of a hot read (a page of reviews allocates thousands of small values).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    marquee::telemetry::init(&cli.settings.log, cli.settings.log_format);
    marquee::cli::run(cli).await
}
