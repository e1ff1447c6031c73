package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Linked accounts, OAuth states and forge deliveries, against SQLite and PostgreSQL. */
class ForgeStoresTest extends OnBothDialects {
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  private final SecretBox box = SecretBox.of(new byte[32]);
  private Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  private static LinkedAccounts.Account alice(String token) {
    return new LinkedAccounts.Account(
        "github",
        "",
        "@alice:x",
        "Alice-GH",
        "42",
        token,
        "ghr_refresh",
        NOW.plus(Duration.ofHours(8)),
        NOW.plus(Duration.ofDays(180)));
  }

  @Test
  void aLinkIsStoredSealedAndOpenedWhenRead() {
    LinkedAccounts accounts = new LinkedAccounts(db, box, clock);

    accounts.link(alice("ghu_token"));

    assertThat(accounts.get("github", "", "@alice:x"))
        .get()
        .satisfies(
            a -> {
              assertThat(a.token()).isEqualTo("ghu_token");
              assertThat(a.refreshToken()).isEqualTo("ghr_refresh");
              assertThat(a.login()).isEqualTo("Alice-GH");
              assertThat(a.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(8)));
            });
    String stored =
        db.read(
            c -> {
              var rs =
                  c.createStatement()
                      .executeQuery("SELECT token, refresh_token FROM linked_accounts");
              rs.next();
              return rs.getString(1) + rs.getString(2);
            });
    assertThat(stored).doesNotContain("ghu_token").doesNotContain("ghr_refresh");
    assertThat(accounts.get("gitlab", "", "@alice:x")).isEmpty();
  }

  @Test
  void relinkingReplacesAndTheLoginFindsTheMatrixUserWhateverItsCase() {
    LinkedAccounts accounts = new LinkedAccounts(db, box, clock);
    accounts.link(alice("first"));
    accounts.link(alice("second"));

    assertThat(accounts.get("github", "", "@alice:x"))
        .get()
        .extracting(LinkedAccounts.Account::token)
        .isEqualTo("second");
    assertThat(accounts.matrixUserFor("github", "", "alice-gh")).contains("@alice:x");
    assertThat(accounts.matrixUserFor("github", "", "bob")).isEmpty();
  }

  @Test
  void theForgeIdFindsTheMatrixUserExactlyWithinItsInstance() {
    LinkedAccounts accounts = new LinkedAccounts(db, box, clock);
    accounts.link(alice("token"));

    assertThat(accounts.matrixUserForForgeId("github", "", "42")).contains("@alice:x");
    assertThat(accounts.matrixUserForForgeId("github", "", "4")).isEmpty();
    assertThat(accounts.matrixUserForForgeId("github", "other", "42")).isEmpty();
    assertThat(accounts.matrixUserForForgeId("jira", "", "42")).isEmpty();
  }

  @Test
  void aTokenSealedWithAnotherKeyIsNotLinked() {
    new LinkedAccounts(db, box, clock).link(alice("t"));
    byte[] other = new byte[32];
    other[0] = 1;

    assertThat(new LinkedAccounts(db, SecretBox.of(other), clock).get("github", "", "@alice:x"))
        .isEmpty();
  }

  @Test
  void unlinkAndRefreshable() {
    LinkedAccounts accounts = new LinkedAccounts(db, box, clock);
    accounts.link(alice("t"));

    assertThat(accounts.refreshableBefore("github", NOW.plus(Duration.ofHours(9)))).hasSize(1);
    assertThat(accounts.refreshableBefore("github", NOW.plus(Duration.ofHours(7)))).isEmpty();
    assertThat(accounts.unlink("github", "", "@alice:x")).isTrue();
    assertThat(accounts.unlink("github", "", "@alice:x")).isFalse();
    assertThat(accounts.get("github", "", "@alice:x")).isEmpty();
  }

  @Test
  void renewedTokensAreStoredOnlyWhileTheSameAccountIsLinked() {
    LinkedAccounts accounts = new LinkedAccounts(db, box, clock);
    accounts.link(alice("first"));

    assertThat(accounts.renew(alice("first"), alice("renewed"))).isTrue();
    assertThat(accounts.get("github", "", "@alice:x"))
        .get()
        .extracting(LinkedAccounts.Account::token)
        .isEqualTo("renewed");

    LinkedAccounts.Account other =
        new LinkedAccounts.Account(
            "github", "", "@alice:x", "Other-GH", "7", "other", null, null, null);
    accounts.link(other);
    assertThat(accounts.renew(alice("renewed"), alice("stale")))
        .as("relinked as another account")
        .isFalse();
    assertThat(accounts.get("github", "", "@alice:x")).get().isEqualTo(other);

    accounts.unlink("github", "", "@alice:x");
    assertThat(accounts.renew(alice("renewed"), alice("late"))).as("logged out").isFalse();
    assertThat(accounts.get("github", "", "@alice:x")).isEmpty();
  }

  /**
   * The same forge account linked again while a refresh of its old link was under way (a personal
   * token, a new login): the old link's renewed tokens replaced the new link's.
   */
  @Test
  void renewedTokensDoNotReplaceTheSameAccountLinkedAgain() {
    LinkedAccounts accounts = new LinkedAccounts(db, box, clock);
    accounts.link(alice("first"));
    LinkedAccounts.Account read = accounts.get("github", "", "@alice:x").orElseThrow();
    LinkedAccounts.Account personal =
        new LinkedAccounts.Account(
            "github", "", "@alice:x", "Alice-GH", "42", "ghp_personal", null, null, null);
    accounts.link(personal);

    assertThat(accounts.renew(read, alice("renewed"))).isFalse();

    assertThat(accounts.get("github", "", "@alice:x")).get().isEqualTo(personal);
  }

  @Test
  void anOAuthStateIsUsableOnceForItsServiceWithinThirtyMinutes() {
    OAuthStates states = new OAuthStates(db, clock);
    String state = states.issue("github", "", "@alice:x");
    String other = states.issue("github", "", "@bob:x");

    assertThat(states.take("jira", state)).as("another service").isEmpty();
    assertThat(states.take("github", state))
        .contains(new OAuthStates.Pending("github", "", "@alice:x"));
    assertThat(states.take("github", state)).as("used twice").isEmpty();
    issuedAgo(other, Duration.ofMinutes(31));
    assertThat(states.take("github", other)).as("expired").isEmpty();
    assertThat(state).hasSizeGreaterThanOrEqualTo(32).matches("[0-9a-f]+");
  }

  /**
   * Makes {@code state} as old as {@code age} (its stamp moved back): with PostgreSQL the server's
   * clock tells a state's age, which a test cannot move.
   */
  private void issuedAgo(String state, Duration age) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "UPDATE oauth_states SET created_at = created_at - ? WHERE state = ?",
                age.toMillis(),
                state));
  }

  /**
   * With PostgreSQL a login started through one instance may come back through another, whose clock
   * is 40 minutes apart: the state is still valid there, and a state issued on an instance whose
   * clock is ahead does not clear the others' fresh ones as expired. Stamped and judged by each
   * instance's own clock, the login failed as "unknown, used or expired".
   */
  @Test
  void anOAuthStatesAgeIsToldByTheServersClockNotTheInstances() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dialect == Dialect.POSTGRESQL, "instances");
    Clock real = Clock.systemUTC();
    OAuthStates behind = new OAuthStates(db, Clock.offset(real, Duration.ofMinutes(-40)));
    OAuthStates right = new OAuthStates(db, real);
    OAuthStates ahead = new OAuthStates(db, Clock.offset(real, Duration.ofMinutes(40)));

    String alices = behind.issue("github", "", "@alice:x");
    String bobs = right.issue("github", "", "@bob:x");
    ahead.issue("github", "", "@carol:x");

    assertThat(right.take("github", alices))
        .as("issued by an instance 40 minutes behind")
        .contains(new OAuthStates.Pending("github", "", "@alice:x"));
    assertThat(behind.take("github", bobs))
        .as("after an instance 40 minutes ahead issued one")
        .contains(new OAuthStates.Pending("github", "", "@bob:x"));
  }

  @Test
  void aUsersLoginsInProgressAreCappedTheOldestDropped() {
    OAuthStates states = new OAuthStates(db, clock);
    String bobs = states.issue("github", "", "@bob:x");
    String alicesJira = states.issue("jira", "@cloud", "@alice:x");
    List<String> alices = new java.util.ArrayList<>();
    for (int i = 0; i <= OAuthStates.PER_USER; i++) {
      // The last two in the same millisecond: the newest must stay even when it ties.
      if (i < OAuthStates.PER_USER) clock = Clock.offset(clock, Duration.ofMillis(1));
      alices.add(new OAuthStates(db, clock).issue("github", "", "@alice:x"));
      // The server's clock stamps them with PostgreSQL, several in one millisecond: each is made
      // older than the ones after it, as the clocks here do with SQLite.
      if (dialect == Dialect.POSTGRESQL)
        issuedAgo(alices.get(i), Duration.ofMillis(OAuthStates.PER_USER + 1L - i));
    }

    assertThat(db.first("SELECT COUNT(*) FROM oauth_states", rs -> rs.getLong(1)))
        .hasValue(OAuthStates.PER_USER + 2L);
    assertThat(states.take("github", alices.get(0))).as("the oldest").isEmpty();
    for (String newer : alices.subList(1, alices.size()))
      assertThat(states.take("github", newer)).isPresent();
    assertThat(states.take("github", bobs)).as("another user's").isPresent();
    assertThat(states.take("jira", alicesJira)).as("another service's").isPresent();
  }

  @Test
  void aDeliveryIsClaimedOnceAndItsRepeatUndoesItsWrite() {
    ForgeDeliveries deliveries = new ForgeDeliveries(db, clock);
    OutboxStore outbox = new OutboxStore(db);
    List<OutboxStore.Draft> drafts =
        List.of(new OutboxStore.Draft("!r:x", "m.room.message", Json.object()));

    outbox.enqueue(drafts, deliveries.claim("github", "d-1")).join();

    assertThatThrownBy(() -> outbox.enqueue(drafts, deliveries.claim("github", "d-1")).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ForgeDeliveries.AlreadyTaken.class);
    assertThat(outbox.pending()).hasSize(1);
    assertThat(deliveries.taken("github", "d-1")).isTrue();
    assertThat(deliveries.taken("gitlab", "d-1")).isFalse();
  }

  @Test
  void deliveriesAreForgottenAfterEightDays() {
    new OutboxStore(db)
        .enqueue(List.of(), new ForgeDeliveries(db, clock).claim("github", "old"))
        .join();

    ForgeDeliveries later = new ForgeDeliveries(db, Clock.offset(clock, Duration.ofDays(9)));
    later.prune();
    db.writeAndWait(c -> null);

    assertThat(later.taken("github", "old")).isFalse();
  }
}
