package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.http.HttpListener;
import grapple.bot.http.Router;
import grapple.bot.http.TestListeners;
import grapple.bot.provisioning.ProvisioningApi;
import grapple.bot.rpc.CoreMethods;
import grapple.bot.rpc.JsonRpc;
import grapple.commands.Permissions;
import grapple.commands.ServiceNames;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.PeopleLinks;
import grapple.testing.github.FakeGithub;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The set-up the forge service tests share: Alice and Bob in {@link TestHub#ROOM}, their direct
 * chats with the bot, and a hub running one forge service.
 */
final class ForgeHub {
  static final String ALICE = "@alice:test";
  static final String BOB = "@bob:test";

  /** Alice's direct chat with the bot, where she links her account. */
  static final String DM = "!dm-alice:test";

  static final String BOBS_DM = "!dm-bob:test";

  /** How long a test waits for a notice or a reply. */
  static final Duration WAIT = Duration.ofSeconds(5);

  private ForgeHub() {}

  /**
   * A hub running {@code service} under {@code yaml}, everyone an admin, with Alice and Bob in the
   * room and Alice in her direct chat.
   */
  static TestHub start(Path dir, Service service, String yaml) {
    return start(dir, service, yaml, Clock.systemUTC());
  }

  /** As above, the service telling the time by {@code clock} (e.g. a FakeClock). */
  static TestHub start(Path dir, Service service, String yaml, Clock clock) {
    TestHub hub = new TestHub(dir, List.of(service), yaml, TestHub.EVERYONE_ADMIN, clock);
    hub.joined(ALICE, BOB);
    hub.joinedIn(DM, ALICE);
    return hub;
  }

  /**
   * Alice sends {@code command}, which carries {@code token}, in the room: the bot refuses it
   * without repeating the token, and redacts her message.
   */
  static void assertTokenInTheRoomRefusedAndRedacted(TestHub hub, String command, String token)
      throws InterruptedException {
    String answer = hub.reply(TestHub.ROOM, ALICE, command);
    assertThat(answer).startsWith("Never send a token in a room").doesNotContain(token);
    assertThat(hub.gateway.membership())
        .anyMatch(m -> m.startsWith("redact " + TestHub.ROOM + " $cmd"));
  }

  /**
   * Hand-written room state is read leniently, but a change through the API or JSON-RPC has its
   * hook names checked as hookshot's provisioning checks them: Alice writes {@code content} (of
   * {@code eventType}) with the hooks {@code known} and {@code not-a-hook}, and the connection
   * takes it; a change to the hooks {@code unknown} is refused naming it, and changes nothing.
   */
  static void assertUnknownHookRefusedOnChangeOnly(
      TestHub hub,
      String eventType,
      String stateKey,
      ObjectNode content,
      String known,
      String unknown) {
    content.putArray("enableHooks").add(known).add("not-a-hook");
    hub.state(eventType, stateKey, ALICE, content);
    Active connection = hub.connections.inRoom(TestHub.ROOM).get(0);

    ObjectNode changed = connection.connection().config().deepCopy();
    changed.putArray("enableHooks").add(unknown);
    assertThatThrownBy(() -> hub.changes.update(connection, changed, Changes.Actor.user(ALICE)))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'enableHooks' must only contain allowed values")
        .hasMessageContaining("`" + unknown + "`");
    assertThat(hub.connections.inRoom(TestHub.ROOM).get(0).connection().config().get("enableHooks"))
        .hasToString("[\"" + known + "\",\"not-a-hook\"]");
  }

  /**
   * Links {@code matrixUser} to the GitHub account {@code login} as an administrator does (a people
   * link, no token).
   */
  static void githubLinkedByAnAdministrator(TestHub hub, String matrixUser, String login) {
    String link = "link-" + login;
    new PeopleLinks(hub.db, Clock.systemUTC())
        .create(
            link,
            List.of(new PeopleLinks.Identity(link, "github", "", matrixUser, login, null)),
            "key ops");
  }

  /**
   * The {@code github} section for {@code github} (its API and web URLs) with the webhook {@code
   * secret}; {@code more} adds keys (", key: value") to it.
   */
  static String githubYaml(FakeGithub github, String secret, String more) {
    return "github: {enabled: true, webhook: {secret: '"
        + secret
        + "'}, apiUrl: '"
        + github.apiUrl()
        + "', webUrl: '"
        + github.webUrl()
        + "'"
        + more
        + "}";
  }

  /**
   * {@code <service> <noun> list} and {@code <service> <noun> remove <url>}, as the contract writes
   * them, answer as {@code <service> list} and {@code <service> remove} do (they were read as
   * {@code <service> <noun> <url>} with the URL "list"); help names only the latter.
   */
  static void assertContractOrderListAndRemove(TestHub hub, String service, String noun)
      throws InterruptedException {
    String list = hub.reply(TestHub.ROOM, ALICE, "!grapple " + service + " list");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple " + service + " " + noun + " list"))
        .isEqualTo(list);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple " + service + " " + noun + " remove"))
        .isEqualTo("Missing <url>. Usage: `!grapple " + service + " " + noun + " remove <url>`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple help " + service))
        .contains(service + " list", service + " remove")
        .doesNotContain(noun + " list", noun + " remove");
  }

  /**
   * Sends {@code body} to {@code room} as Alice on a thread of its own (the test hub answers a
   * command on the thread that sends it, as one of the bot's command threads does), started.
   */
  static Thread sentAside(TestHub hub, String room, String body) {
    Thread sender = new Thread(() -> hub.message(room, ALICE, body), "command in " + room);
    sender.start();
    return sender;
  }

  /** Whether {@code command} waits for a lock in a method of class {@code className}. */
  static boolean blockedIn(Thread command, String className) {
    StackTraceElement[] stack = command.getStackTrace();
    return command.getState() == Thread.State.BLOCKED
        && stack.length > 0
        && stack[0].getClassName().equals(className);
  }

  /** The next {@code count} messages the bot sends, by room (one each). */
  static Map<String, String> replies(TestHub hub, int count) throws InterruptedException {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
      assertThat(sent).as("reply " + (i + 1) + " of " + count).isNotNull();
      out.put(sent.roomId(), sent.content().path("body").asText());
    }
    return out;
  }

  private static final String PROVISIONING_SECRET = "provisioning-secret-0123456789";

  /**
   * {@code DELETE /v1/<room>/connections/<id>?userId=<userId>} on a provisioning listener over the
   * hub, which runs {@code service}: the API's answer.
   */
  static HttpResponse<String> removedThroughTheApi(
      TestHub hub, Service service, String room, String id, String userId) throws Exception {
    String path =
        "/v1/"
            + URLEncoder.encode(room, StandardCharsets.UTF_8)
            + "/connections/"
            + id
            + "?userId="
            + URLEncoder.encode(userId, StandardCharsets.UTF_8);
    return provisioning(
        hub,
        service,
        client ->
            HttpRequest.newBuilder(client.uri(path))
                .header("Authorization", "Bearer " + PROVISIONING_SECRET)
                .DELETE());
  }

  /**
   * JSON-RPC's {@code delete_connection} of connection {@code id} of {@code room} for {@code
   * userId}, on a provisioning listener over the hub, which runs {@code service}: the answer.
   */
  static JsonNode removedThroughJsonRpc(
      TestHub hub, Service service, String room, String id, String userId) throws Exception {
    ObjectNode call =
        Json.object()
            .put("id", 1)
            .put("api_key", PROVISIONING_SECRET)
            .put("method", "delete_connection");
    call.putObject("args").put("roomid", room).put("connectionid", id).put("userid", userId);
    HttpResponse<String> answer =
        provisioning(
            hub,
            service,
            client ->
                client
                    .post(JsonRpc.PATH, Json.write(call).getBytes(StandardCharsets.UTF_8))
                    .header("Content-Type", "application/json"));
    assertThat(answer.statusCode()).isEqualTo(200);
    return Json.MAPPER.readTree(answer.body());
  }

  /**
   * {@code GET <pathAndQuery>} (e.g. {@code /v1/github/repositories?userId=…}) on a provisioning
   * listener over the hub, which runs {@code service} and serves its {@code /v1} routes: the API's
   * answer.
   */
  static HttpResponse<String> apiGet(TestHub hub, Service service, String pathAndQuery)
      throws Exception {
    return provisioning(
        hub,
        service,
        hub.apiRoutes(),
        client ->
            HttpRequest.newBuilder(client.uri(pathAndQuery))
                .header("Authorization", "Bearer " + PROVISIONING_SECRET)
                .GET());
  }

  /** Sends {@code request} to a provisioning listener (/v1 and JSON-RPC) over the hub. */
  private static HttpResponse<String> provisioning(
      TestHub hub, Service service, Function<HookClient, HttpRequest.Builder> request)
      throws Exception {
    return provisioning(hub, service, List.of(), request);
  }

  /** As above, the listener serving the services' {@code routes} too. */
  private static HttpResponse<String> provisioning(
      TestHub hub,
      Service service,
      List<Routes.ApiRoute> routes,
      Function<HookClient, HttpRequest.Builder> request)
      throws Exception {
    ProvisioningApi api =
        new ProvisioningApi(
            new Config.Provisioning(PROVISIONING_SECRET, List.of()),
            new ProvisioningApi.Doors(
                hub.connections,
                hub.changes,
                hub.rooms,
                new Permissions(TestHub.EVERYONE_ADMIN, ServiceNames.none())),
            List.of(service.info()));
    Router router = api.router(routes);
    new JsonRpc(api::authenticate, new CoreMethods(api.operations(), null, null, null).table())
        .addTo(router);
    try (HttpListener listener = TestListeners.start("provisioning", 1, router)) {
      HookClient client = new HookClient(listener.port());
      return client.send(request.apply(client));
    }
  }
}
