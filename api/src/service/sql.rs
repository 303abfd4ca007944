//! A small builder for the few statements SeaORM's query builder cannot
//! express portably (window functions), binding every value as a parameter.

use sea_orm::{DbBackend, Statement, Value};

/// SQL text plus its bound values, with placeholders for the backend.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends literal SQL. Never pass client data here: bind it.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(p1, p2, …)` bound to `values`; `(NULL)` when there are none,
    /// which matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.text.push('(');
        let mut any = false;
        for value in values {
            if any {
                self.text.push_str(", ");
            }
            self.bind(value);
            any = true;
        }
        if !any {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    pub fn into_statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        let mut sql = Sql::new(DbBackend::Postgres);
        sql.push("a = ")
            .bind(1)
            .push(" AND b IN ")
            .bind_list([2, 3]);
        assert_eq!(sql.into_statement().sql, "a = $1 AND b IN ($2, $3)");
    }

    #[test]
    fn sqlite_placeholders_are_question_marks() {
        let mut sql = Sql::new(DbBackend::Sqlite);
        sql.push("a = ")
            .bind(1)
            .push(" AND b IN ")
            .bind_list(Vec::<i32>::new());
        assert_eq!(sql.into_statement().sql, "a = ? AND b IN (NULL)");
    }
}
