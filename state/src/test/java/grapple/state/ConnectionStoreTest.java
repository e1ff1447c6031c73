package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectionStoreTest extends OnBothDialects {
  private static final String ROOM = "!room:example.org";
  private static final String HOOK_EVENT = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final String FEED_EVENT = "uk.half-shot.matrix-hookshot.feed";
  private static final Connection.Audit ALICE =
      new Connection.Audit("@alice:example.org", Instant.ofEpochMilli(1_700_000_000_000L));
  private static final Connection.Audit BOB =
      new Connection.Audit("@bob:example.org (key ci)", Instant.ofEpochMilli(1_700_000_500_000L));

  private ConnectionStore store;

  @BeforeEach
  void openStore() {
    store = new ConnectionStore(db);
  }

  @Test
  void isEmptyAtFirst() {
    assertThat(store.all()).isEmpty();
  }

  @Test
  void byIdFindsAConnectionInWhicheverRoom() {
    Connection hook = webhook("ci", ALICE);
    Connection elsewhere =
        Connection.create(
            "!other:example.org",
            "Webhook",
            HOOK_EVENT,
            "ops",
            Json.object().put("name", "ops"),
            BOB);
    store.put(hook);
    store.put(elsewhere);

    assertThat(store.byId(elsewhere.id()))
        .hasValueSatisfying(
            c -> {
              assertThat(c.roomId()).isEqualTo("!other:example.org");
              assertThat(c.stateKey()).isEqualTo("ops");
            });
    assertThat(store.byId(hook.id()).map(Connection::roomId)).hasValue(ROOM);
    assertThat(store.byId("no-such-id")).isEmpty();
  }

  /**
   * A state event's mark says its notices are still to be said, and whether it created the
   * connection; when a batch handled again made both marks, it did; the batch's commit takes both.
   */
  @Test
  void anUnsaidMarkTellsWhetherTheEventCreatedTheConnection() {
    Connection hook = webhook("ci", ALICE);
    assertThat(store.unsaid("$e")).isEmpty();

    store.put(hook, "$e", false);
    assertThat(store.unsaid("$e")).contains(false);
    store.put(hook, "$e", true);
    assertThat(store.unsaid("$e")).contains(true);

    db.writeAndWait(ConnectionStore.said("$e"));
    assertThat(store.unsaid("$e")).isEmpty();
  }

  @Test
  void aMoveCarriesSecretsAndTheNamedTablesToTheNewIdOnceOnly() {
    Connection old = webhook("ci", ALICE);
    store.put(old);
    store.putSecret(old.id(), "hookId", "secret-1");
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO feed_seen (connection_id, item_id, seen_at) VALUES (?, ?, 1)",
                old.id(),
                "item-1"));
    String newRoom = "!new:example.org";
    Connection moved =
        new Connection(
            ConnectionId.of(newRoom, HOOK_EVENT, "ci"),
            newRoom,
            old.type(),
            old.eventType(),
            "ci",
            old.config(),
            ALICE,
            BOB);

    assertThat(store.move(old, moved, java.util.List.of("feed_seen"))).isTrue();
    assertThat(store.move(old, moved, java.util.List.of("feed_seen"))).as("done already").isFalse();

    assertThat(store.all()).containsExactly(moved);
    assertThat(store.secret(moved.id(), "hookId")).contains("secret-1");
    assertThat(store.secret(old.id(), "hookId")).isEmpty();
    assertThat(
            db.list(
                "SELECT item_id FROM feed_seen WHERE connection_id = ?",
                rs -> rs.getString(1),
                moved.id()))
        .containsExactly("item-1");
  }

  @Test
  void putThenAllRoundTripsEveryField() {
    ObjectNode config = Json.object().put("name", "ci").put("includeHookBody", false);
    config.putObject("nested").putArray("list").add(1).add("two");
    Connection hook = Connection.create(ROOM, "Webhook", HOOK_EVENT, "ci", config, ALICE);

    store.put(hook);

    assertThat(store.all()).containsExactly(hook);
  }

  @Test
  void putAgainUpdatesConfigAndUpdatedButKeepsCreated() {
    Connection hook = webhook("ci", ALICE);
    store.put(hook);
    ObjectNode newConfig = Json.object().put("name", "ci").put("includeHookBody", true);

    store.put(hook.withConfig(newConfig, BOB));

    Connection stored = store.all().get(0);
    assertThat(stored.config()).isEqualTo(newConfig);
    assertThat(stored.updated()).isEqualTo(BOB);
    assertThat(stored.created()).isEqualTo(ALICE);
  }

  @Test
  void putOfARecreatedConnectionKeepsTheOriginalCreator() {
    store.put(webhook("ci", ALICE));

    store.put(webhook("ci", BOB));

    assertThat(store.all())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.created()).isEqualTo(ALICE);
              assertThat(c.updated()).isEqualTo(BOB);
            });
  }

  @Test
  void allListsConnectionsByRoomThenCreationTime() {
    Connection later = madeAt("!a:example.org", "later", 2_000);
    Connection earlier = madeAt("!a:example.org", "earlier", 1_000);
    Connection otherRoom = madeAt("!b:example.org", "first", 500);
    store.put(otherRoom);
    store.put(later);
    store.put(earlier);

    assertThat(store.all()).containsExactly(earlier, later, otherRoom);
  }

  @Test
  void removeDeletesTheConnection() {
    Connection hook = put(webhook("ci", ALICE));
    Connection other = put(webhook("deploy", ALICE));

    store.remove(hook.roomId(), hook.id());

    assertThat(store.all()).containsExactly(other);
  }

  @Test
  void removeDeletesTheConnectionsSecrets() {
    Connection hook = webhook("ci", ALICE);
    store.put(hook);
    store.putSecret(hook.id(), "hookId", "s3cret");

    store.remove(hook.roomId(), hook.id());

    assertThat(store.secret(hook.id(), "hookId")).isEmpty();
    assertThat(store.secrets("hookId")).isEmpty();
  }

  @Test
  void removeKeepsOtherConnectionsSecrets() {
    Connection hook = put(webhook("ci", ALICE));
    Connection other = put(webhook("deploy", ALICE));
    store.putSecret(hook.id(), "hookId", "one");
    store.putSecret(other.id(), "hookId", "two");

    store.remove(hook.roomId(), hook.id());

    assertThat(store.secret(other.id(), "hookId")).contains("two");
  }

  @Test
  void removingAnUnknownConnectionChangesNothing() {
    Connection hook = webhook("ci", ALICE);
    store.put(hook);

    store.remove(ROOM, "no-such-id");

    assertThat(store.all()).containsExactly(hook);
  }

  @Test
  void secretIsEmptyWhenNeverStored() {
    assertThat(store.secret("some-id", "hookId")).isEmpty();
  }

  @Test
  void putSecretThenSecretRoundTrips() {
    store.putSecret("id1", "hookId", "s3cret");

    assertThat(store.secret("id1", "hookId")).contains("s3cret");
  }

  @Test
  void putSecretAgainReplacesTheValue() {
    store.putSecret("id1", "hookId", "old");

    store.putSecret("id1", "hookId", "new");

    assertThat(store.secret("id1", "hookId")).contains("new");
  }

  @Test
  void secretsOfOneNameAreKeptApartFromOtherNames() {
    store.putSecret("id1", "hookId", "hook");

    store.putSecret("id1", "token", "tok");

    assertThat(store.secret("id1", "hookId")).contains("hook");
    assertThat(store.secret("id1", "token")).contains("tok");
  }

  @Test
  void secretsByNameMapsConnectionIdsToValues() {
    store.putSecret("id1", "hookId", "one");
    store.putSecret("id2", "hookId", "two");
    store.putSecret("id3", "token", "other");

    assertThat(store.secrets("hookId"))
        .containsOnly(
            org.assertj.core.api.Assertions.entry("id1", "one"),
            org.assertj.core.api.Assertions.entry("id2", "two"));
  }

  @Test
  void connectionsSurviveReopening() {
    Connection hook = webhook("ci", ALICE);
    store.put(hook);
    store.putSecret(hook.id(), "hookId", "s3cret");
    db.close();

    db = TestDatabases.reopen(db);
    store = new ConnectionStore(db);

    assertThat(store.all()).containsExactly(hook);
    assertThat(store.secret(hook.id(), "hookId")).contains("s3cret");
  }

  @Test
  void aCreatedConnectionHasTheIdOfItsRoomTypeAndKey() {
    Connection hook = webhook("ci", ALICE);

    assertThat(hook.id()).isEqualTo(ConnectionId.of(ROOM, HOOK_EVENT, "ci"));
  }

  @Test
  void connectionIdIsTheSameForTheSameInputs() {
    String first = ConnectionId.of(ROOM, HOOK_EVENT, "ci");

    String second = ConnectionId.of(ROOM, HOOK_EVENT, "ci");

    assertThat(second).isEqualTo(first);
  }

  @Test
  void connectionIdIsSixteenUrlSafeCharacters() {
    String id = ConnectionId.of(ROOM, FEED_EVENT, "https://example.org/feed.xml?a=b&c=d");

    assertThat(id).hasSize(16).matches("[A-Za-z0-9_-]{16}");
  }

  @Test
  void connectionIdDiffersByRoom() {
    assertThat(ConnectionId.of("!a:example.org", HOOK_EVENT, "ci"))
        .isNotEqualTo(ConnectionId.of("!b:example.org", HOOK_EVENT, "ci"));
  }

  @Test
  void connectionIdDiffersByEventType() {
    assertThat(ConnectionId.of(ROOM, HOOK_EVENT, "ci"))
        .isNotEqualTo(ConnectionId.of(ROOM, FEED_EVENT, "ci"));
  }

  @Test
  void connectionIdDiffersByStateKey() {
    assertThat(ConnectionId.of(ROOM, HOOK_EVENT, "ci"))
        .isNotEqualTo(ConnectionId.of(ROOM, HOOK_EVENT, "cd"));
  }

  @Test
  void connectionIdDoesNotConfuseWhereOnePartEndsAndTheNextBegins() {
    assertThat(ConnectionId.of("!ab", "c", "d")).isNotEqualTo(ConnectionId.of("!a", "bc", "d"));
  }

  private Connection put(Connection c) {
    store.put(c);
    return c;
  }

  /** A webhook with an empty config that alice made at {@code millis}. */
  private static Connection madeAt(String room, String name, long millis) {
    return Connection.create(
        room,
        "Webhook",
        HOOK_EVENT,
        name,
        Json.object(),
        new Connection.Audit("@alice:example.org", Instant.ofEpochMilli(millis)));
  }

  private static Connection webhook(String name, Connection.Audit by) {
    return Connection.create(
        ROOM, "Webhook", HOOK_EVENT, name, Json.object().put("name", name), by);
  }
}
