//! The `marquee` subcommands.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::config::{Cli, Command, DocumentsCommand, TokenCommand};
use crate::service::export::{self, ExportReport};
use crate::service::{import, persisted, token};
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
            // Running replicas (on PostgreSQL) forget what they cached.
            crate::service::cache::purge_everywhere(&conn).await?;
            println!(
                "imported {}: {} created, {} updated, {} unchanged",
                file.display(),
                report.created,
                report.updated,
                report.unchanged
            );
        }
        Command::Export {
            file,
            include_private,
        } => {
            let (conn, _) = db::connect(&settings.database_url, 2, db::Timeouts::TOOLS).await?;
            db::exclusively(&conn, db::migrate(&conn)).await?;
            let options = export::Options { include_private };
            let report = match &file {
                Some(path) => export_to_file(&conn, path, options).await?,
                None => {
                    let mut out = BufWriter::new(std::io::stdout());
                    export::export(&conn, &mut out, options).await?
                }
            };
            // On standard error: standard output may be the file itself.
            eprintln!(
                "exported {} people, {} films, {} reviews and {} comments to {}{}",
                report.people,
                report.films,
                report.reviews,
                report.comments,
                file.as_deref()
                    .map_or("standard output".into(), |f| f.display().to_string()),
                if include_private {
                    ", with private fields"
                } else {
                    ""
                },
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
        Command::Documents(command) => {
            let (conn, _) = db::connect(&settings.database_url, 2, db::Timeouts::TOOLS).await?;
            db::exclusively(&conn, db::migrate(&conn)).await?;
            documents(&conn, command).await?;
        }
    }
    Ok(())
}

/// `marquee documents …`: every file is read and checked before any is
/// stored, so a bad file stores nothing.
async fn documents(conn: &DatabaseConnection, command: DocumentsCommand) -> anyhow::Result<()> {
    match command {
        DocumentsCommand::Add { files } => {
            let mut docs = Vec::new();
            for file in &files {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let name = file.to_string_lossy();
                let found = persisted::parse_file(&name, &text)
                    .with_context(|| format!("{} is not a document file", file.display()))?;
                for doc in &found {
                    async_graphql::parser::parse_query(&doc.body).map_err(|err| {
                        anyhow::anyhow!(
                            "{}: document {} does not parse: {err}",
                            file.display(),
                            doc.id
                        )
                    })?;
                }
                docs.extend(found);
            }
            for doc in &docs {
                println!("{}\t{}", doc.id, doc.name.as_deref().unwrap_or(""));
            }
            let count = persisted::trust(conn, docs).await?;
            eprintln!("trusted {count} documents");
        }
        DocumentsCommand::List => {
            for doc in persisted::list_trusted(conn).await? {
                println!("{}\t{}", doc.id, doc.name.as_deref().unwrap_or(""));
            }
        }
        DocumentsCommand::Remove { id } => {
            if !persisted::remove(conn, &id).await? {
                anyhow::bail!("there is no document with id {id}");
            }
            println!("removed document {id} (running replicas forget it when they restart)");
        }
    }
    Ok(())
}

/// Exports into a file beside `path` and renames it into place once it is
/// whole, so a failed export never leaves a truncated file under the name.
/// A file with private fields is readable by its owner only.
async fn export_to_file(
    conn: &DatabaseConnection,
    path: &Path,
    options: export::Options,
) -> anyhow::Result<ExportReport> {
    let partial = partial_path(path);
    // A stale partial file would keep its permissions.
    let _ = std::fs::remove_file(&partial);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if options.include_private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    }
    let file = open
        .open(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let written = async {
        let report = export::export(conn, &mut out, options).await?;
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        anyhow::Ok(report)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// `dir/name` → `dir/.name.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.partial"))
}
