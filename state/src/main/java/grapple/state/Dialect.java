package grapple.state;

/** The SQL a database speaks; the few statements that differ are chosen by it. */
public enum Dialect {
  SQLITE,
  POSTGRESQL
}
