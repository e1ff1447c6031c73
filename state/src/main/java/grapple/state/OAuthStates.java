package grapple.state;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The {@code state} of OAuth logins in progress: random, bound to the Matrix user who asked, valid
 * 30 minutes and usable once, so a callback cannot be replayed or forged for someone else; at most
 * {@link #PER_USER} per user and service. With PostgreSQL a login started through one instance may
 * come back through another: its age is told by the server's clock ({@link Database#sharedMillis}),
 * not by the instances' own, which may differ.
 */
public final class OAuthStates {
  public static final Duration VALID_FOR = Duration.ofMinutes(30);

  /**
   * Logins one user may have in progress per service; a newer one drops the oldest. Without it
   * anyone allowed to start a login for a user (a room's API key, a script repeating {@code github
   * login}) could store a row per request for 30 minutes.
   */
  public static final int PER_USER = 10;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Database db;
  private final Clock clock;

  /** {@code clock} tells the states' age with SQLite; PostgreSQL's server clock does otherwise. */
  public OAuthStates(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** A login that was started: who, for which service and forge instance. */
  public record Pending(String service, String instance, String matrixUser) {}

  /** A new state for {@code matrixUser}'s login; durable when returned. */
  public String issue(String service, String instance, String matrixUser) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    // Hex, not base64url: '_' and '-' in a link sent as Markdown can turn into emphasis
    // ("state=-_ab_")
    String state = HexFormat.of().formatHex(bytes);
    db.writeAndWait(
        c -> {
          long now = db.sharedMillis(c, clock);
          Sql.update(
              c,
              "INSERT INTO oauth_states (state, service, instance, matrix_user, created_at) VALUES (?, ?, ?, ?, ?)",
              state,
              service,
              instance,
              matrixUser,
              now);
          Sql.update(
              c,
              "DELETE FROM oauth_states WHERE service = ? AND matrix_user = ? AND state <> ?"
                  + " AND state NOT IN (SELECT state FROM oauth_states WHERE service = ?"
                  + " AND matrix_user = ? AND state <> ? ORDER BY created_at DESC LIMIT ?)",
              service,
              matrixUser,
              state,
              service,
              matrixUser,
              state,
              PER_USER - 1);
          return Sql.update(
              c, "DELETE FROM oauth_states WHERE created_at < ?", now - VALID_FOR.toMillis());
        });
    return state;
  }

  /**
   * Takes the state (it cannot be used again): the login it belongs to, if it exists and is fresh.
   */
  public Optional<Pending> take(String service, String state) {
    return db.writeAndWait(
        c -> {
          long oldest = db.sharedMillis(c, clock) - VALID_FOR.toMillis();
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM oauth_states WHERE state = ? AND service = ?"
                      + " RETURNING instance, matrix_user, created_at")) {
            s.setString(1, state);
            s.setString(2, service);
            ResultSet rs = s.executeQuery();
            if (!rs.next() || rs.getLong(3) < oldest) return Optional.<Pending>empty();
            return Optional.of(new Pending(service, rs.getString(1), rs.getString(2)));
          }
        });
  }
}
