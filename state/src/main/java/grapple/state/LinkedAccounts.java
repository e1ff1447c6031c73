package grapple.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forge accounts Matrix users linked (by OAuth or a personal token), one per user, service and
 * forge instance; tokens are sealed by the {@link SecretBox} and opened only when used. Every forge
 * service stores its links here.
 */
public final class LinkedAccounts {
  private static final Logger log = LoggerFactory.getLogger(LinkedAccounts.class);

  private final Database db;
  private final SecretBox box;
  private final Clock clock;

  public LinkedAccounts(Database db, SecretBox box, Clock clock) {
    this.db = db;
    this.box = box;
    this.clock = clock;
  }

  /**
   * One link. {@code instance} names the forge server for services with several (GitLab, JIRA);
   * {@code ""} for one. {@code refreshToken} and the expiries are null for tokens that do not
   * expire.
   */
  public record Account(
      String service,
      String instance,
      String matrixUser,
      String login,
      String forgeId,
      String token,
      @Nullable String refreshToken,
      @Nullable Instant expiresAt,
      @Nullable Instant refreshExpiresAt) {
    /** True when the token expires within {@code margin} of {@code now} (or has). */
    public boolean expiresWithin(java.time.Duration margin, Instant now) {
      return expiresAt != null && expiresAt.isBefore(now.plus(margin));
    }

    @Override
    public String toString() {
      return "Account["
          + service
          + (instance.isEmpty() ? "" : "/" + instance)
          + ", "
          + matrixUser
          + " as "
          + login
          + "]";
    }
  }

  /**
   * What a forge said of the account when it was linked, for identity links: its avatar URL and the
   * names of its organizations (groups), each null when the forge did not say.
   */
  public record Profile(@Nullable String avatar, @Nullable List<String> organizations) {
    public static final Profile UNKNOWN = new Profile(null, null);
  }

  /** Stores (or replaces) the link, keeping what was known of the account; waits until durable. */
  public void link(Account a) {
    store(a, null);
  }

  /**
   * Stores (or replaces) the link with what the forge said of the account now (replacing what was
   * known before); waits until it is durable.
   */
  public void link(Account a, Profile profile) {
    store(a, profile);
  }

  /**
   * Stores the renewed tokens of a link that is still the one {@code read} (the same forge account,
   * with the tokens {@code read} holds); false, and nothing stored, when it was removed meanwhile
   * (its user logged out while the forge answered a refresh, which would otherwise have linked the
   * account again) or linked again (a personal token, or a new login, which the renewed tokens of
   * the old link would otherwise replace). Waits until durable.
   */
  public boolean renew(Account read, Account fresh) {
    String token =
        box.seal(
            fresh.token(), context(fresh.service(), fresh.instance(), fresh.matrixUser(), "token"));
    String refresh =
        fresh.refreshToken() == null
            ? null
            : box.seal(
                fresh.refreshToken(),
                context(fresh.service(), fresh.instance(), fresh.matrixUser(), "refresh"));
    return db.writeAndWait(
        c -> {
          // The row's sealed token while it still holds read's tokens, matched again by the
          // UPDATE: a link made between this read and the write (another instance) is kept too.
          Optional<String> sealedRead =
              Sql.first(
                      c,
                      "SELECT * FROM linked_accounts"
                          + " WHERE service = ? AND instance = ? AND matrix_user = ? AND forge_id = ?",
                      rs -> {
                        String sealed = rs.getString("token");
                        return opened(rs).filter(now -> sameTokens(now, read)).map(now -> sealed);
                      },
                      read.service(),
                      read.instance(),
                      read.matrixUser(),
                      read.forgeId())
                  .flatMap(found -> found);
          if (sealedRead.isEmpty()) return false;
          return Sql.update(
                  c,
                  "UPDATE linked_accounts SET token = ?, refresh_token = ?, expires_at = ?,"
                      + " refresh_expires_at = ?, updated_at = ? WHERE service = ? AND instance = ?"
                      + " AND matrix_user = ? AND forge_id = ? AND token = ?",
                  token,
                  refresh,
                  fresh.expiresAt() == null ? null : fresh.expiresAt().toEpochMilli(),
                  fresh.refreshExpiresAt() == null ? null : fresh.refreshExpiresAt().toEpochMilli(),
                  clock.millis(),
                  read.service(),
                  read.instance(),
                  read.matrixUser(),
                  read.forgeId(),
                  sealedRead.get())
              > 0;
        });
  }

  private static boolean sameTokens(Account a, Account b) {
    return a.token().equals(b.token()) && Objects.equals(a.refreshToken(), b.refreshToken());
  }

  private void store(Account a, @Nullable Profile profile) {
    long now = clock.millis();
    String token = box.seal(a.token(), context(a.service(), a.instance(), a.matrixUser(), "token"));
    String refresh =
        a.refreshToken() == null
            ? null
            : box.seal(
                a.refreshToken(), context(a.service(), a.instance(), a.matrixUser(), "refresh"));
    db.writeAndWait(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  """
          INSERT INTO linked_accounts (service, instance, matrix_user, login, login_key, forge_id, token,
            refresh_token, expires_at, refresh_expires_at, linked_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (service, instance, matrix_user) DO UPDATE SET login = excluded.login,
            login_key = excluded.login_key, forge_id = excluded.forge_id, token = excluded.token,
            refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
            refresh_expires_at = excluded.refresh_expires_at, updated_at = excluded.updated_at""")) {
            s.setString(1, a.service());
            s.setString(2, a.instance());
            s.setString(3, a.matrixUser());
            s.setString(4, a.login());
            s.setString(5, PeopleLinks.loginKey(a.login()));
            s.setString(6, a.forgeId());
            s.setString(7, token);
            s.setString(8, refresh);
            s.setObject(9, a.expiresAt() == null ? null : a.expiresAt().toEpochMilli());
            s.setObject(
                10, a.refreshExpiresAt() == null ? null : a.refreshExpiresAt().toEpochMilli());
            s.setLong(11, now);
            s.setLong(12, now);
            s.executeUpdate();
          }
          if (profile != null) describe(c, a, profile);
          return null;
        });
  }

  private static void describe(java.sql.Connection c, Account a, Profile profile)
      throws SQLException {
    Sql.update(
        c,
        "UPDATE linked_accounts SET avatar = ?, organizations = ?"
            + " WHERE service = ? AND instance = ? AND matrix_user = ?",
        profile.avatar(),
        profile.organizations() == null
            ? null
            : Json.write(Json.MAPPER.valueToTree(profile.organizations())),
        a.service(),
        a.instance(),
        a.matrixUser());
  }

  /**
   * The user's link, with its tokens opened; empty when not linked, or when its token cannot be
   * opened (sealed with another key: logged, and the user must link again).
   */
  public Optional<Account> get(String service, String instance, String matrixUser) {
    return db.first(
            "SELECT * FROM linked_accounts WHERE service = ? AND instance = ? AND matrix_user = ?",
            this::opened,
            service,
            instance,
            matrixUser)
        .flatMap(opened -> opened);
  }

  /** The Matrix user who linked the forge login {@code login} (case-insensitive), if anyone did. */
  public Optional<String> matrixUserFor(String service, String instance, String login) {
    return newestMatrixUser("login_key", service, instance, PeopleLinks.loginKey(login));
  }

  /**
   * The Matrix user who linked the forge account with id {@code forgeId} (exact), if anyone did:
   * for forges whose events name people by id (JIRA Cloud's accountId).
   */
  public Optional<String> matrixUserForForgeId(String service, String instance, String forgeId) {
    return newestMatrixUser("forge_id", service, instance, forgeId);
  }

  /**
   * The Matrix user of the newest link of the service and instance whose {@code column} is {@code
   * value}.
   */
  private Optional<String> newestMatrixUser(
      String column, String service, String instance, String value) {
    return db.first(
        "SELECT matrix_user FROM linked_accounts WHERE service = ? AND instance = ? AND "
            + column
            + " = ? ORDER BY updated_at DESC LIMIT 1",
        rs -> rs.getString(1),
        service,
        instance,
        value);
  }

  /** Every link of the service whose token expires before {@code before} and can be refreshed. */
  public List<Account> refreshableBefore(String service, Instant before) {
    return db
        .list(
            "SELECT * FROM linked_accounts WHERE service = ?"
                + " AND refresh_token IS NOT NULL AND expires_at IS NOT NULL AND expires_at < ?",
            this::opened,
            service,
            before.toEpochMilli())
        .stream()
        .flatMap(Optional::stream)
        .toList();
  }

  /** Removes the link; true if there was one. */
  public boolean unlink(String service, String instance, String matrixUser) {
    return db.writeAndWait(
        c -> {
          return Sql.update(
                  c,
                  "DELETE FROM linked_accounts WHERE service = ? AND instance = ? AND matrix_user = ?",
                  service,
                  instance,
                  matrixUser)
              > 0;
        });
  }

  /**
   * Removes every link of the user on the service, whatever the instance (one no longer configured
   * included); true if there was one.
   */
  public boolean unlinkAll(String service, String matrixUser) {
    return db.writeAndWait(
        c ->
            Sql.update(
                    c,
                    "DELETE FROM linked_accounts WHERE service = ? AND matrix_user = ?",
                    service,
                    matrixUser)
                > 0);
  }

  private Optional<Account> opened(ResultSet rs) throws SQLException {
    String service = rs.getString("service");
    String instance = rs.getString("instance");
    String user = rs.getString("matrix_user");
    Optional<String> token =
        box.open(rs.getString("token"), context(service, instance, user, "token"));
    if (token.isEmpty()) {
      log.warn(
          "secrets: the {} token of {} cannot be opened with the key from {}; they must link again",
          service,
          user,
          box.source());
      return Optional.empty();
    }
    String sealedRefresh = rs.getString("refresh_token");
    @Nullable String refresh =
        sealedRefresh == null
            ? null
            : box.open(sealedRefresh, context(service, instance, user, "refresh")).orElse(null);
    return Optional.of(
        new Account(
            service,
            instance,
            user,
            rs.getString("login"),
            rs.getString("forge_id"),
            token.get(),
            refresh,
            instant(rs, "expires_at"),
            instant(rs, "refresh_expires_at")));
  }

  private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  private static String context(String service, String instance, String user, String what) {
    return service + " " + what + " of " + user + (instance.isEmpty() ? "" : " at " + instance);
  }
}
