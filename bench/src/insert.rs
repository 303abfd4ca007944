//! Bulk inserts: multi-row `INSERT … VALUES (…), (…)` statements with bound
//! parameters, many rows a statement, inside one transaction per table.
//!
//! Values go through SeaORM's own binding, so timestamps are stored exactly
//! as the server stores them (SQLite keeps them as text, and a different
//! format would sort differently).

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

/// At most this many bound parameters a statement: under SQLite's limit
/// (32,766 since 3.32) and PostgreSQL's (65,535).
const MAX_PARAMS: usize = 32_000;
/// At most this many rows a statement: past a thousand or so, bigger
/// statements stop paying for themselves.
const MAX_ROWS: usize = 1_000;

/// Collects rows for one table and sends them in multi-row statements.
pub struct Inserter<'c, C: ConnectionTrait> {
    db: &'c C,
    backend: DatabaseBackend,
    table: &'static str,
    columns: &'static [&'static str],
    rows_per_statement: usize,
    /// The SQL of a full statement, built once.
    full_sql: String,
    values: Vec<Value>,
    rows: usize,
    /// Rows sent so far.
    pub sent: u64,
}

impl<'c, C: ConnectionTrait> Inserter<'c, C> {
    pub fn new(db: &'c C, table: &'static str, columns: &'static [&'static str]) -> Self {
        let backend = db.get_database_backend();
        let rows_per_statement = (MAX_PARAMS / columns.len()).min(MAX_ROWS);
        Self {
            db,
            backend,
            table,
            columns,
            rows_per_statement,
            full_sql: insert_sql(backend, table, columns, rows_per_statement),
            values: Vec::with_capacity(rows_per_statement * columns.len()),
            rows: 0,
            sent: 0,
        }
    }

    /// Adds one row, given in the order of the columns; sends a statement
    /// when enough rows are waiting.
    pub async fn push<const N: usize>(&mut self, row: [Value; N]) -> Result<(), DbErr> {
        debug_assert_eq!(N, self.columns.len(), "a row of {}", self.table);
        self.values.extend(row);
        self.rows += 1;
        if self.rows == self.rows_per_statement {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), DbErr> {
        if self.rows == 0 {
            return Ok(());
        }
        let sql = if self.rows == self.rows_per_statement {
            self.full_sql.clone()
        } else {
            insert_sql(self.backend, self.table, self.columns, self.rows)
        };
        let values = std::mem::replace(
            &mut self.values,
            Vec::with_capacity(self.rows_per_statement * self.columns.len()),
        );
        self.db
            .execute_raw(Statement::from_sql_and_values(self.backend, sql, values))
            .await
            .map_err(|e| DbErr::Custom(format!("inserting into {}: {e}", self.table)))?;
        self.sent += self.rows as u64;
        self.rows = 0;
        Ok(())
    }

    /// Sends what is left; returns how many rows were inserted.
    pub async fn finish(mut self) -> Result<u64, DbErr> {
        self.flush().await?;
        Ok(self.sent)
    }
}

/// `INSERT INTO table (a, b) VALUES ($1, $2), ($3, $4)` for `rows` rows.
fn insert_sql(backend: DatabaseBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                DatabaseBackend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_parameters_on_postgres_and_not_on_sqlite() {
        assert_eq!(
            insert_sql(DatabaseBackend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql(DatabaseBackend::Sqlite, "t", &["a"], 2),
            "INSERT INTO t (a) VALUES (?), (?)"
        );
    }
}
