package grapple.bot.github;

import grapple.state.Database;
import grapple.state.Migration;
import grapple.state.Sql;
import java.util.Optional;

/**
 * How each GitHub account was linked, by {@code github setpersonaltoken} or by {@code github
 * login}: what to tell its user when GitHub no longer takes the token. Kept beside the link in
 * {@code linked_accounts}, in a column the service's own schema step adds; a link made before that
 * step has none (unknown).
 */
final class LinkMethods {
  /** The service's first schema step (a service numbers its own steps). */
  static final Migration STEP =
      new Migration(
          1,
          "github: how each GitHub account was linked",
          "ALTER TABLE linked_accounts ADD COLUMN github_linked_by TEXT");

  /** How an account was linked; the stored words are API. */
  enum Method {
    TOKEN("token"),
    OAUTH("oauth");

    private final String stored;

    Method(String stored) {
      this.stored = stored;
    }
  }

  private final Database db;

  LinkMethods(Database db) {
    this.db = db;
  }

  /** Records how {@code matrixUser}'s GitHub account, linked just now, was linked. */
  void record(String matrixUser, Method method) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "UPDATE linked_accounts SET github_linked_by = ?"
                    + " WHERE service = ? AND instance = '' AND matrix_user = ?",
                method.stored,
                GithubAccounts.SERVICE,
                matrixUser));
  }

  /** How {@code matrixUser}'s account was linked; empty when not linked, or linked before. */
  Optional<Method> of(String matrixUser) {
    return db.first(
            "SELECT github_linked_by FROM linked_accounts"
                + " WHERE service = ? AND instance = '' AND matrix_user = ?",
            rs -> Optional.ofNullable(rs.getString(1)),
            GithubAccounts.SERVICE,
            matrixUser)
        .flatMap(stored -> stored)
        .flatMap(
            stored -> {
              for (Method m : Method.values()) if (m.stored.equals(stored)) return Optional.of(m);
              return Optional.empty();
            });
  }
}
