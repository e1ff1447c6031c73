package grapple.bot.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.MatrixProfiles;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.state.BadInput;
import grapple.state.Database;
import grapple.state.Dialect;
import grapple.state.Json;
import grapple.state.LinkedAccounts;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import grapple.state.TestDatabases;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/** Identity links over the users' own accounts and administrators' links, on both databases. */
@ParameterizedClass
@EnumSource(Dialect.class)
class IdentityLinksTest {
  private static final Caller LINKER = new Caller("ops", Set.of(Caller.LINK), List.of());

  @Parameter Dialect dialect;
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z"));
  private Database db;
  private LinkedAccounts accounts;
  private IdentityLinks links;
  private final RoomStates rooms = new RoomStates();

  @BeforeEach
  void open() {
    Location where = TestDatabases.location(dialect, dir);
    db = Database.open(where, Migrations.core());
    accounts = new LinkedAccounts(db, SecretBox.of(new byte[32]), clock);
    PeopleLinks people = new PeopleLinks(db, clock);
    links = new IdentityLinks(people, new MatrixProfiles(rooms, null, people), Map.of());
  }

  @AfterEach
  void close() {
    if (db != null) db.close(); // null: skipped for want of a PostgreSQL server
  }

  private void linkAccount(String service, String user, String login) {
    accounts.link(
        new LinkedAccounts.Account(service, "", user, login, "42", "tok", null, null, null));
  }

  private static ObjectNode body(String userId, String login) {
    ObjectNode body = Json.object();
    body.putObject("matrix").put("userId", userId);
    body.putObject("github").put("login", login).put("id", 77);
    return body;
  }

  @Test
  void makingALinkLogsWhichKeyMadeItByNameNeverItsSecret() {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger logger = (Logger) LoggerFactory.getLogger(IdentityLinks.class);
    logger.addAppender(log);
    try {
      String id = links.create(LINKER, body("@bob:x", "bob-gh"));

      assertThat(log.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly("identity links: " + id + " linked @bob:x to github bob-gh by key ops");
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void aUsersAccountsOnSeveralForgesAreOneLink() {
    linkAccount("github", "@a:x", "ann");
    linkAccount("gitlab", "@a:x", "ann-gl");

    List<ObjectNode> all = links.all(true);

    assertThat(all).hasSize(1);
    assertThat(all.get(0).get("github").get("login").asText()).isEqualTo("ann");
    assertThat(all.get(0).get("gitlab").get("login").asText()).isEqualTo("ann-gl");
    assertThat(all.get(0).toString()).doesNotContain("tok");
  }

  @Test
  void accountsOnTwoInstancesOfOneForgeAreBothShownAndALookupShowsTheLoginItFound() {
    accounts.link(
        new LinkedAccounts.Account(
            "gitlab", "work", "@a:x", "ann-work", "1", "tok1", null, null, null));
    accounts.link(
        new LinkedAccounts.Account(
            "gitlab", "home", "@a:x", "ann-home", "2", "tok2", null, null, null));

    ObjectNode work = links.byLogin("gitlab", "ann-work", true).orElseThrow();
    ObjectNode home = links.byLogin("gitlab", "ANN-HOME", true).orElseThrow();

    assertThat(work.path("gitlab").path("login").asText()).isEqualTo("ann-work");
    assertThat(work.path("gitlab").path("instance").asText()).isEqualTo("work");
    assertThat(home.path("gitlab").path("login").asText()).isEqualTo("ann-home");
    assertThat(home.path("gitlab").path("instance").asText()).isEqualTo("home");
    assertThat(links.all(false)).hasSize(1);
    assertThat(links.all(false).get(0).path("identities").path("gitlab"))
        .extracting(i -> i.path("instance").asText() + ":" + i.path("login").asText())
        .containsExactlyInAnyOrder("work:ann-work", "home:ann-home");
  }

  @Test
  void oneAccountPerForgeKeepsTheSeedsShape() {
    linkAccount("gitlab", "@a:x", "ann-gl");

    ObjectNode link = links.byLogin("gitlab", "ann-gl", false).orElseThrow();

    assertThat(link.has("identities")).isFalse();
    assertThat(link.path("gitlab").has("instance")).isFalse();
  }

  @Test
  void anAdministratorsLinkIsFoundByIdLoginAndUser() {
    String id = links.create(LINKER, body("@b:x", "Bee"));

    assertThat(links.byId(id, true)).isPresent();
    assertThat(links.byLogin("github", "bEE", true)).isPresent();
    assertThat(links.byMatrixUser("@b:x", true)).hasSize(1);
    assertThat(links.byId(id, true).get().get("github").get("id").asText()).isEqualTo("77");
  }

  @Test
  void aUserWithTheirOwnAccountAndAnAdministratorsLinkHasTwoLinks() {
    linkAccount("github", "@c:x", "cee");
    links.create(LINKER, body("@c:x", "cee-work"));

    assertThat(links.byMatrixUser("@c:x", false)).hasSize(2);
    assertThat(links.byMatrixUser("@nobody:x", false)).isEmpty();
  }

  @Test
  void theSameLoginTwiceIsRefused() {
    links.create(LINKER, body("@d:x", "dee"));

    assertThatThrownBy(() -> links.create(LINKER, body("@e:x", "DEE")))
        .isInstanceOf(ApiException.class)
        .hasMessage("The github login 'DEE' is linked already.");
  }

  /**
   * A login a user linked as their own account: mentions and assign follow the account, so an
   * administrator's link of it (to someone else, or to them again) would never be used; it is
   * refused rather than made and silently shadowed.
   */
  @Test
  void aLoginAUserLinkedThemselvesIsNotLinkedAgainByAnAdministrator() {
    linkAccount("github", "@f:x", "eff");

    assertThatThrownBy(() -> links.create(LINKER, body("@g:x", "EFF")))
        .isInstanceOf(ApiException.class)
        .hasMessageStartingWith("The github login 'EFF' is linked already: a Matrix user linked it")
        .extracting(e -> ((ApiException) e).code())
        .isEqualTo(ErrorCode.LINK_EXISTS);
    assertThat(links.byMatrixUser("@g:x", false)).isEmpty();
  }

  /**
   * Several administrators linking one login at once: one link is made, the others are refused.
   * Each checked the login before any had stored its link, and all were stored.
   */
  @Test
  void theSameLoginAtOnceIsLinkedOnce() throws Exception {
    int callers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> made = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      ObjectNode body = body("@racer" + i + ":x", "racer");
      Callable<String> create =
          () -> {
            go.await();
            try {
              return links.create(LINKER, body);
            } catch (ApiException e) {
              return e.code().wire();
            }
          };
      made.add(pool.submit(create));
    }
    go.countDown();
    List<String> answers = new ArrayList<>();
    for (Future<String> f : made) answers.add(f.get());
    pool.shutdown();

    assertThat(answers).filteredOn(a -> a.startsWith("link-")).hasSize(1);
    assertThat(answers).filteredOn(a -> a.equals("HS_CONFLICTING_LINK")).hasSize(callers - 1);
    assertThat(links.all(false))
        .filteredOn(l -> l.path("github").path("login").asText().equals("racer"))
        .hasSize(1);
  }

  /**
   * A link refused because another took its login meanwhile (here: while the JIRA login was looked
   * up, after the GitHub login was checked) keeps nothing of its user: the display name was
   * remembered before the store refused the link.
   */
  @Test
  void aLinkRefusedAtTheStoreRemembersNoDisplayName() {
    PeopleLinks people = new PeopleLinks(db, clock);
    LoginLookup meanwhileTaken =
        id -> {
          people.create(
              "link-other",
              List.of(new PeopleLinks.Identity("link-other", "github", "", "@o:x", "loser", null)),
              "ops");
          return java.util.Optional.of("jay-" + id);
        };
    links =
        new IdentityLinks(
            people,
            new MatrixProfiles(rooms, null, people),
            Map.of(),
            Map.of("jira", meanwhileTaken));
    joined("@l:x", "Ell");
    ObjectNode body = body("@l:x", "loser");
    body.putObject("jira").put("id", "42");

    assertThatThrownBy(() -> links.create(LINKER, body))
        .isInstanceOf(ApiException.class)
        .hasMessage("The github login 'loser' is linked already.");
    assertThat(
            db.first(
                "SELECT display_name FROM matrix_profiles WHERE matrix_user = ?",
                rs -> rs.getString(1),
                "@l:x"))
        .isEmpty();
  }

  /**
   * Logins are one when equal in lower case, the rule the store links them by: "ſam" (long s) and
   * "sam" are two logins, linked to two users, and looking up "sam" finds sam's link, not the
   * other's ({@code equalsIgnoreCase} took them for one).
   */
  @Test
  void aLoginIsFoundByTheStoresRuleNotByEqualsIgnoreCase() {
    links.create(LINKER, body("@long:x", "\u017Fam"));
    links.create(LINKER, body("@short:x", "sam"));

    ObjectNode found = links.byLogin("github", "SAM", false).orElseThrow();
    ObjectNode other = links.byLogin("github", "\u017FAM", false).orElseThrow();

    assertThat(found.get("matrix").get("userId").asText()).isEqualTo("@short:x");
    assertThat(other.get("matrix").get("userId").asText()).isEqualTo("@long:x");
  }

  /** The same rule for a login a user linked as their own account: "ſam" does not block "sam". */
  @Test
  void aLoginLikeAnAccountsOnlyByEqualsIgnoreCaseIsLinked() {
    linkAccount("github", "@long:x", "\u017Fam");

    String id = links.create(LINKER, body("@short:x", "sam"));

    assertThat(links.byId(id, false)).isPresent();
  }

  @Test
  void anUnknownFieldIsNamed() {
    ObjectNode body = body("@f:x", "eff");
    body.putObject("bitbucket").put("login", "eff");

    assertThatThrownBy(() -> links.create(LINKER, body))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("bitbucket");
  }

  @Test
  void aForgeWithNoInstanceConfiguredIsRefusedSayingSoNotAskingForAName() {
    links =
        new IdentityLinks(
            new PeopleLinks(db, clock),
            new MatrixProfiles(rooms, null, new PeopleLinks(db, clock)),
            Map.of("gitea", Set.of()));
    ObjectNode body = Json.object();
    body.putObject("matrix").put("userId", "@t:x");
    body.putObject("gitea").put("login", "tee");

    assertThatThrownBy(() -> links.create(LINKER, body))
        .isInstanceOf(BadInput.class)
        .hasMessage("'gitea' cannot be linked: no gitea instance is configured (gitea.instances)");
  }

  @Test
  void aKeyWithoutTheLinkScopeCannotCreate() {
    Caller reader = new Caller("r", Set.of(Caller.LINKS), List.of());

    assertThatThrownBy(() -> links.create(reader, body("@g:x", "gee")))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("link scope");
  }

  private void joined(String userId, String displayName) {
    rooms.apply(
        new RoomEvent.State(
            "!room:x",
            "$" + userId,
            userId,
            "m.room.member",
            userId,
            Json.object().put("membership", "join").put("displayname", displayName)));
  }

  private static LinkedAccounts.Account account(String user, String login) {
    return new LinkedAccounts.Account("github", "", user, login, "42", "tok", null, null, null);
  }

  @Test
  void anAdministratorsLinkShowsTheDisplayNameTheBotSeesInARoom() {
    joined("@h:x", "Aitch Ex");

    String id = links.create(LINKER, body("@h:x", "aitch"));

    assertThat(links.byId(id, true).get().get("matrix").get("displayName").asText())
        .isEqualTo("Aitch Ex");
  }

  @Test
  void aUserNobodySeesHasNoDisplayNameAndIsLinkedAllTheSame() {
    String id = links.create(LINKER, body("@unseen:x", "unseen"));

    assertThat(links.byId(id, true).get().get("matrix").get("displayName").isNull()).isTrue();
  }

  @Test
  void aLinkedAccountShowsTheAvatarAndOrganizationsTheForgeGave() {
    accounts.link(
        account("@i:x", "eye"),
        new LinkedAccounts.Profile("https://forge/avatars/u/42", List.of("acme", "widgets")));

    JsonNode github = links.byLogin("github", "eye", true).get().get("github");

    assertThat(github.get("avatar").asText()).isEqualTo("https://forge/avatars/u/42");
    assertThat(github.get("organizations").toString()).isEqualTo("[\"acme\",\"widgets\"]");
    assertThat(links.byLogin("github", "eye", false).get().get("github").has("organizations"))
        .isFalse();
  }

  @Test
  void relinkingReplacesTheProfileAndATokenRefreshKeepsIt() {
    accounts.link(
        account("@j:x", "jay"), new LinkedAccounts.Profile("https://old", List.of("old-org")));
    accounts.link(
        account("@j:x", "jay"), new LinkedAccounts.Profile("https://new", List.of("new-org")));
    accounts.link(account("@j:x", "jay"));

    JsonNode github = links.byLogin("github", "jay", true).get().get("github");

    assertThat(github.get("avatar").asText()).isEqualTo("https://new");
    assertThat(github.get("organizations").toString()).isEqualTo("[\"new-org\"]");
  }

  @Test
  void aDisplayNameKeptIsShownByEveryLinkOfTheUser() {
    joined("@k:x", "Kay");
    linkAccount("github", "@k:x", "kay");
    links.create(LINKER, body("@k:x", "kay-work"));

    List<ObjectNode> both = links.byMatrixUser("@k:x", true);

    assertThat(both).hasSize(2);
    assertThat(both)
        .allSatisfy(l -> assertThat(l.get("matrix").get("displayName").asText()).isEqualTo("Kay"));
  }

  @Test
  void anAdministratorsLinkMadeBeforeInstancesHadNamesGetsTheOnlyInstance() {
    PeopleLinks people = new PeopleLinks(db, clock);
    people.create(
        "old1",
        List.of(new PeopleLinks.Identity("old1", "gitlab", "", "@a:x", "ann", null)),
        "ops");
    people.create(
        "old2", List.of(new PeopleLinks.Identity("old2", "gitea", "", "@b:x", "bo", null)), "ops");

    IdentityLinks.nameOldInstances(
        people, Map.of("gitlab", Set.of("main"), "gitea", Set.of("one", "two")));

    assertThat(people.matrixUserFor("gitlab", "main", "ANN")).contains("@a:x");
    assertThat(people.matrixUserFor("gitlab", "", "ann")).isEmpty();
    // With two instances the link is ambiguous: it stays as it was (the log says what to do).
    assertThat(people.countWithoutInstance("gitea")).isEqualTo(1);
    assertThat(people.matrixUserFor("gitea", "one", "bo")).isEmpty();
  }
}
