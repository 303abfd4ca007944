//! The `marquee` subcommands.

use anyhow::Context;

use crate::config::{Cli, Command, TokenCommand};
use crate::service::{import, token};
use crate::startup::Application;
use crate::{db, graphql};

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate => {
            let (conn, _) = db::connect(&settings.database_url, 2, db::Timeouts::TOOLS).await?;
            db::exclusively(&conn, db::migrate(&conn)).await?;
            tracing::info!("migrations applied");
        }
        Command::Schema { output } => {
            let sdl = graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{sdl}"),
            }
        }
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let content = import::parse(&text)?;
            let (conn, _) = db::connect(&settings.database_url, 2, db::Timeouts::TOOLS).await?;
            db::exclusively(&conn, db::migrate(&conn)).await?;
            let report = import::import(&conn, &content).await?;
            println!(
                "imported {}: {} created, {} updated, {} unchanged",
                file.display(),
                report.created,
                report.updated,
                report.unchanged
            );
        }
        Command::Token(command) => {
            let (conn, _) = db::connect(&settings.database_url, 2, db::Timeouts::TOOLS).await?;
            db::exclusively(&conn, db::migrate(&conn)).await?;
            match command {
                TokenCommand::Create { role, name } => {
                    let (row, secret) = token::create(&conn, &name, role.into()).await?;
                    eprintln!(
                        "created token {} for {} ({:?}); it is shown only now:",
                        row.id, row.name, row.role
                    );
                    println!("{secret}");
                }
                TokenCommand::Revoke { id } => {
                    if !token::revoke(&conn, id).await? {
                        anyhow::bail!("there is no live token with id {id}");
                    }
                    println!("revoked token {id}");
                }
                TokenCommand::List => {
                    for t in token::list(&conn).await? {
                        let state = t
                            .revoked_at
                            .map_or("live".to_owned(), |at| format!("revoked {at}"));
                        println!("{}\t{:?}\t{}\t{}", t.id, t.role, t.name, state);
                    }
                }
            }
        }
    }
    Ok(())
}
