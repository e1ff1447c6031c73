package grapple.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who is who across Matrix and the forges (CONTRACT §14): the identities of the accounts Matrix
 * users linked themselves ({@link LinkedAccounts}, read here without opening a token), and the
 * links administrators made through the links API, which carry no token and serve mentions and
 * {@code assign} by Matrix id.
 */
public final class PeopleLinks {
  private final Database db;
  private final Clock clock;

  public PeopleLinks(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * One forge identity of a Matrix user. {@code linkId} is null for an account the user linked
   * (those are grouped by user), the administrator's link id otherwise. {@code avatar} and {@code
   * organizations} are what the forge said when the user linked the account (null when it did not,
   * and always for an administrator's link, which has no token to ask with); {@code displayName} is
   * the Matrix user's, as seen when a link was made (null when unknown).
   */
  public record Identity(
      @Nullable String linkId,
      String service,
      String instance,
      String matrixUser,
      String login,
      @Nullable String forgeId,
      @Nullable String avatar,
      @Nullable List<String> organizations,
      @Nullable String displayName) {
    /** An identity as an administrator gives it: nothing known beyond the login and id. */
    public Identity(
        @Nullable String linkId,
        String service,
        String instance,
        String matrixUser,
        String login,
        @Nullable String forgeId) {
      this(linkId, service, instance, matrixUser, login, forgeId, null, null, null);
    }
  }

  /** Every account Matrix users linked, oldest first. */
  public List<Identity> accounts() {
    return db.list(
        "SELECT CAST(NULL AS TEXT), service, instance, a.matrix_user, login, forge_id, avatar,"
            + " organizations, p.display_name FROM linked_accounts a"
            + " LEFT JOIN matrix_profiles p ON p.matrix_user = a.matrix_user"
            + " ORDER BY linked_at, a.matrix_user, service",
        PeopleLinks::identity);
  }

  /** Every link administrators made, oldest first. */
  public List<Identity> adminLinks() {
    return db.list(
        "SELECT link_id, service, instance, l.matrix_user, login, forge_id, CAST(NULL AS TEXT),"
            + " CAST(NULL AS TEXT), p.display_name FROM people_links l"
            + " LEFT JOIN matrix_profiles p ON p.matrix_user = l.matrix_user"
            + " ORDER BY created_at, link_id, service",
        PeopleLinks::identity);
  }

  /**
   * Keeps the Matrix user's display name (replacing the one kept before), shown by every link of
   * the user; waits until it is durable.
   */
  public void rememberDisplayName(String matrixUser, String displayName) {
    long now = clock.millis();
    db.writeAndWait(
        c -> {
          return Sql.update(
              c,
              """
              INSERT INTO matrix_profiles (matrix_user, display_name, updated_at)
              VALUES (?, ?, ?)
              ON CONFLICT (matrix_user) DO UPDATE SET display_name = excluded.display_name,
                updated_at = excluded.updated_at""",
              matrixUser,
              displayName,
              now);
        });
  }

  /**
   * Stores an administrator's link: one identity per forge service, all under {@code linkId};
   * unless one of the logins is linked by an administrator already: then nothing is stored and that
   * identity comes back. The database's unique index on the login decides between two links of one
   * login made at once, on this instance or on two instances sharing a PostgreSQL database.
   */
  public Optional<Identity> create(String linkId, List<Identity> identities, String createdBy) {
    try {
      return insert(linkId, identities, createdBy);
    } catch (LoginTaken taken) {
      return Optional.of(taken.identity);
    }
  }

  /** A login another link took meanwhile: thrown out of the write so that it stores nothing. */
  private static final class LoginTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Identity identity;

    LoginTaken(Identity identity) {
      super(
          identity.service() + " login " + identity.login() + " is linked already",
          null,
          false,
          false);
      this.identity = identity;
    }
  }

  private Optional<Identity> insert(String linkId, List<Identity> identities, String createdBy) {
    long now = clock.millis();
    return db.writeAndWait(
        c -> {
          for (Identity i : identities) {
            Optional<Integer> taken =
                Sql.first(
                    c,
                    "SELECT 1 FROM people_links WHERE service = ? AND instance = ? AND login_key = ?",
                    rs -> rs.getInt(1),
                    i.service(),
                    i.instance(),
                    loginKey(i.login()));
            if (taken.isPresent()) return Optional.of(i);
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  """
                  INSERT INTO people_links (link_id, service, instance, matrix_user, login,
                    login_key, forge_id, created_by, created_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                  ON CONFLICT (service, instance, login_key) DO NOTHING""")) {
            for (Identity i : identities) {
              Sql.bind(
                  s,
                  linkId,
                  i.service(),
                  i.instance(),
                  i.matrixUser(),
                  i.login(),
                  loginKey(i.login()),
                  i.forgeId(),
                  createdBy,
                  now);
              // Nothing inserted: another instance's link of the login committed meanwhile.
              if (s.executeUpdate() == 0) throw new LoginTaken(i);
            }
          }
          return Optional.<Identity>empty();
        });
  }

  /**
   * Removes the administrator's link {@code linkId}, every identity it holds (its logins may then
   * be linked again); returns the identities removed, none when there was no such link.
   */
  public List<Identity> delete(String linkId) {
    return db.writeAndWait(
        c -> {
          List<Identity> removed =
              Sql.list(
                  c,
                  "SELECT link_id, service, instance, matrix_user, login, forge_id"
                      + " FROM people_links WHERE link_id = ? ORDER BY service",
                  rs ->
                      new Identity(
                          rs.getString(1),
                          rs.getString(2),
                          rs.getString(3),
                          rs.getString(4),
                          rs.getString(5),
                          rs.getString(6)),
                  linkId);
          Sql.update(c, "DELETE FROM people_links WHERE link_id = ?", linkId);
          return List.copyOf(removed);
        });
  }

  /**
   * Gives {@code instance} to the administrators' links on {@code service} that name none (made
   * before that forge's servers had names); returns how many there were. A login linked both
   * without and with the instance keeps its newest link (as step 11 of {@link Migrations} keeps
   * it), the other is removed: the database holds one link per login.
   */
  public int nameInstance(String service, String instance) {
    return db.writeAndWait(
        c -> {
          Sql.update(
              c,
              """
              DELETE FROM people_links WHERE service = ? AND instance IN ('', ?) AND EXISTS (
                SELECT 1 FROM people_links newer
                WHERE newer.service = people_links.service
                  AND newer.instance IN ('', ?)
                  AND newer.login_key = people_links.login_key
                  AND (newer.created_at > people_links.created_at
                    OR (newer.created_at = people_links.created_at
                      AND newer.link_id > people_links.link_id)))""",
              service,
              instance,
              instance);
          return Sql.update(
              c,
              "UPDATE people_links SET instance = ? WHERE service = ? AND instance = ''",
              instance,
              service);
        });
  }

  /** How many administrators' links on {@code service} name no instance. */
  public int countWithoutInstance(String service) {
    return db.first(
            "SELECT COUNT(*) FROM people_links WHERE service = ? AND instance = ''",
            rs -> rs.getInt(1),
            service)
        .orElse(0);
  }

  /**
   * The key two forge logins are one by (GitHub, GitLab and JIRA logins are case-insensitive): the
   * login in lower case ({@link Locale#ROOT}), stored as {@code login_key} beside it in {@code
   * people_links} and {@code linked_accounts}. Not {@code equalsIgnoreCase}, which takes {@code
   * ſam} (long s) for {@code sam}: two logins, here linked to two users.
   */
  public static String loginKey(String login) {
    return login.toLowerCase(Locale.ROOT);
  }

  /** The Matrix user an administrator linked to the forge login (case-insensitive), if any. */
  public Optional<String> matrixUserFor(String service, String instance, String login) {
    return newest("matrix_user", "login_key", service, instance, loginKey(login));
  }

  /** The forge login an administrator linked to the Matrix user, if any (the newest link). */
  public Optional<String> loginFor(String service, String instance, String matrixUser) {
    return newest("login", "matrix_user", service, instance, matrixUser);
  }

  /**
   * The {@code column} of the newest administrator's link for the service and instance whose {@code
   * key} column is {@code value}.
   */
  private Optional<String> newest(
      String column, String key, String service, String instance, String value) {
    return db.first(
        "SELECT "
            + column
            + " FROM people_links WHERE service = ? AND instance = ? AND "
            + key
            + " = ? ORDER BY created_at DESC",
        rs -> rs.getString(1),
        service,
        instance,
        value);
  }

  private static Identity identity(ResultSet rs) throws SQLException {
    return new Identity(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        organizations(rs.getString(8)),
        rs.getString(9));
  }

  /** The stored JSON array of names; null when none was stored (or it is not an array). */
  private static @Nullable List<String> organizations(@Nullable String json) {
    if (json == null) return null;
    try {
      JsonNode names = Json.MAPPER.readTree(json);
      if (!names.isArray()) return null;
      List<String> out = new ArrayList<>();
      names.forEach(n -> out.add(n.asText()));
      return List.copyOf(out);
    } catch (JsonProcessingException e) {
      // Only LinkedAccounts writes the column, from a list; unreadable means unknown.
      return null;
    }
  }
}
