package grapple.bot.rpc;

import static grapple.bot.LocalMode.ADMIN;
import static grapple.bot.LocalMode.ELSEWHERE;
import static grapple.bot.LocalMode.READER;
import static grapple.bot.rpc.LocalRpc.LINKER;
import static grapple.bot.rpc.LocalRpc.LINK_READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Identity links (CONTRACT §14) over real sockets: the people-links routes with their API version,
 * scopes and auth forms, and the JSON-RPC link methods; the console user links the GitHub account
 * {@code octo} with {@code github setpersonaltoken} against a local GitHub first.
 */
class LinksApiTest {
  private static final String OCTO_TOKEN = "ghp_octo_0123456789abcdef0123456789ab";
  private static final String LINKS = "/api/people/links";
  private static final String V = "?api-version=2026-12-01";

  @TempDir static Path dir;
  private static FakeGithub github;
  private static LocalRpc grapple;

  @BeforeAll
  static void start() throws Exception {
    github = FakeGithub.start();
    GithubAppKey key = GithubAppKey.generate();
    github.app(4242, key).slug("grapple-links");
    github.user("octo").token(OCTO_TOKEN);
    github.org("acme").member("octo");
    github.org("octo-labs").member("octo");
    Path keyFile = Files.writeString(dir.resolve("app.pem"), key.pkcs1Pem());
    grapple =
        LocalRpc.start(
            dir,
            "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}, apiUrl: '"
                + github.apiUrl()
                + "', webUrl: '"
                + github.webUrl()
                + "', app: {id: 4242, slug: grapple-links, privateKeyFile: '"
                + keyFile
                + "'}}");
    // Room member state with display names, as the bot would see it in a room.
    grapple.console.type(
        "/state m.room.member "
            + ADMIN
            + " {\"membership\":\"join\",\"displayname\":\"Octo Cat\"}");
    grapple.console.type("github setpersonaltoken " + OCTO_TOKEN);
    grapple.console.awaitPrinted("Connected as `octo`");
    // Carol joins after the token went by (the console room is no direct chat once she is in);
    // `github status` answers once her state is taken in.
    grapple.console.type(
        "/state m.room.member @carol:localhost"
            + " {\"membership\":\"join\",\"displayname\":\"Carol Danvers\"}");
    grapple.console.type("!grapple github status");
    grapple.console.awaitPrinted("You are logged in to GitHub as `octo`");
  }

  @AfterAll
  static void stop() {
    grapple.close();
    github.close();
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static LocalRpc.Answer get(String path) {
    return grapple.send("GET", path, bearer(LINK_READER), null);
  }

  private static LocalRpc.Answer post(String body) {
    return grapple.send("POST", LINKS + V, bearer(LINKER), body);
  }

  private static String linkOf(String userId, String login) {
    return "{\"matrix\":{\"userId\":\""
        + userId
        + "\"},\"github\":{\"id\":\"1001\",\"login\":\""
        + login
        + "\"}}";
  }

  // Versions.

  @Test
  void aMissingVersionIs400NamingTheSupportedOnes() {
    LocalRpc.Answer a = get(LINKS);

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("errcode").asText()).isEqualTo("HS_BAD_VALUE");
    assertThat(a.json().get("error").asText())
        .isEqualTo(
            "api-version is required, as a header or a query parameter (supported: 2026-12-01).");
  }

  @Test
  void anUnknownVersionIs400NamingTheSupportedOnes() {
    LocalRpc.Answer a = get(LINKS + "?api-version=2016-12-01");

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("error").asText())
        .isEqualTo("api-version '2016-12-01' is not supported (supported: 2026-12-01).");
  }

  /** Only the first of two would be read: the unsupported second one is refused, not ignored. */
  @Test
  void aVersionGivenTwiceInTheQueryIs400() {
    LocalRpc.Answer a = get(LINKS + V + "&api-version=2016-12-01");

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("error").asText())
        .isEqualTo(
            "api-version is given more than once in the query: give it once (supported:"
                + " 2026-12-01).");
  }

  /** As in the query: only the first header line would be read, the second one ignored. */
  @Test
  void aVersionHeaderGivenTwiceIs400() throws Exception {
    try (okhttp3.Response r = withVersionHeaders("", "2026-12-01", "2016-12-01")) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.body().string())
          .contains(
              "api-version is given more than once as a header: give it once (supported:"
                  + " 2026-12-01).");
    }
  }

  @Test
  void theVersionMayBeAHeader() throws Exception {
    try (okhttp3.Response r = withVersionHeaders("", "2026-12-01")) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  /**
   * Answers {@code GET /api/people/links<query>} sent with one {@code api-version} header line for
   * each of {@code headers}.
   */
  private static okhttp3.Response withVersionHeaders(String query, String... headers)
      throws Exception {
    okhttp3.Request.Builder request =
        new okhttp3.Request.Builder()
            .url(grapple.url() + LINKS + query)
            .header("Authorization", bearer(LINK_READER));
    for (String header : headers) request.addHeader("api-version", header);
    return new okhttp3.OkHttpClient().newCall(request.build()).execute();
  }

  @Test
  void aBlankVersionHeaderDoesNotHideTheQuerysVersion() throws Exception {
    try (okhttp3.Response r = withVersionHeaders(V, "")) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  @Test
  void anUnsupportedVersionInTheQueryIsRefusedBesideASupportedHeader() throws Exception {
    try (okhttp3.Response r = withVersionHeaders("?api-version=2017-03-08", "2026-12-01")) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.body().string())
          .contains("api-version '2017-03-08' is not supported (supported: 2026-12-01).");
    }
  }

  // Scopes and auth.

  @Test
  void aKeyWithoutTheLinksScopeIs403() {
    LocalRpc.Answer a = grapple.send("GET", LINKS + V, bearer(READER), null);

    assertThat(a.status()).isEqualTo(403);
    assertThat(a.json().get("errcode").asText()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(a.json().get("error").asText()).contains("links");
  }

  @Test
  void anAdminKeyLimitedToRoomsNeitherReadsNorMakesLinksWhichAreNoRooms() {
    LocalRpc.Answer read = grapple.send("GET", LINKS + V, bearer(ELSEWHERE), null);
    LocalRpc.Answer make =
        grapple.send("POST", LINKS + V, bearer(ELSEWHERE), linkOf("@y:localhost", "ygh"));

    assertThat(read.status()).isEqualTo(403);
    assertThat(read.json().get("errcode").asText()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(read.json().get("error").asText()).contains("links");
    assertThat(make.status()).isEqualTo(403);
    assertThat(make.json().get("error").asText()).contains("the link scope");
  }

  @Test
  void aKeyWithLinksButNotLinkCannotCreate() {
    LocalRpc.Answer a =
        grapple.send("POST", LINKS + V, bearer(LINK_READER), linkOf("@x:localhost", "xgh"));

    assertThat(a.status()).isEqualTo(403);
    assertThat(a.json().get("error").asText()).contains("the link scope");
  }

  @Test
  void basicAuthWithUserApikeyWorks() {
    assertThat(grapple.send("GET", LINKS + V, basic("apikey", LINK_READER), null).status())
        .isEqualTo(200);
  }

  /** A key pasted with its line break is the key, as in a Bearer header or JSON-RPC. */
  @Test
  void basicAuthWithWhitespaceAroundTheKeyWorks() {
    assertThat(grapple.send("GET", LINKS + V, basic("apikey", LINK_READER + "\n"), null).status())
        .isEqualTo(200);
  }

  @Test
  void basicAuthWithTheTokenAsUsernameWorks() {
    assertThat(grapple.send("GET", LINKS + V, basic(LINK_READER, ""), null).status())
        .isEqualTo(200);
    assertThat(grapple.send("GET", LINKS + V, basic(LINK_READER, "anything"), null).status())
        .isEqualTo(200);
  }

  /** The seed's clients give the token "for the username and/or password": curl -u :KEY too. */
  @Test
  void basicAuthWithTheTokenAsPasswordAndNoUserWorks() {
    assertThat(grapple.send("GET", LINKS + V, basic("", LINK_READER), null).status())
        .isEqualTo(200);
    assertThat(grapple.send("GET", LINKS + V, basic("", "wrong-0123456789"), null).status())
        .isEqualTo(401);
  }

  @Test
  void basicAuthWithAWrongTokenIs401() {
    LocalRpc.Answer a = grapple.send("GET", LINKS + V, basic("apikey", "wrong-0123456789"), null);

    assertThat(a.status()).isEqualTo(401);
    assertThat(a.json().get("errcode").asText()).isEqualTo("HS_BAD_TOKEN");
  }

  @Test
  void noCredentialsIs401() {
    assertThat(grapple.send("GET", LINKS + V, null, null).status()).isEqualTo(401);
  }

  // Reading.

  @Test
  void theAccountLinkedBySetpersonaltokenIsInTheList() {
    JsonNode links = get(LINKS + V).json();

    JsonNode octo = null;
    for (JsonNode link : links) {
      if (link.path("github").path("login").asText().equals("octo")) octo = link;
    }
    assertThat(octo).as("octo in %s", links).isNotNull();
    assertThat(octo.get("matrix").get("userId").asText()).isEqualTo(ADMIN);
    assertThat(octo.get("source").asText()).isEqualTo("account");
    assertThat(octo.get("github").get("organizations").isArray()).isTrue();
    assertThat(octo.toString()).doesNotContain(OCTO_TOKEN);
  }

  @Test
  void aLinkBySetpersonaltokenCarriesTheDisplayNameOrganizationsAndAvatar() {
    JsonNode octo = get(LINKS + "/github/octo" + V).json();

    assertThat(octo.get("matrix").get("displayName").asText()).isEqualTo("Octo Cat");
    assertThat(octo.get("github").get("organizations").toString())
        .isEqualTo("[\"acme\",\"octo-labs\"]");
    assertThat(octo.get("github").get("avatar").asText())
        .isEqualTo(github.webUrl() + "/avatars/u/" + octo.get("github").get("id").asText());
    assertThat(github.requestsTo("GET", "/user/orgs")).isNotEmpty();
  }

  @Test
  void showOrganizationsFalseOrZeroDropsThem() {
    JsonNode off = get(LINKS + V + "&showOrganizations=false").json();
    JsonNode zero = get(LINKS + V + "&showOrganizations=0").json();

    assertThat(off.get(0).get("github").has("organizations")).isFalse();
    assertThat(zero.get(0).get("github").has("organizations")).isFalse();
    assertThat(off.get(0).get("github").get("login").isTextual()).isTrue();
  }

  @Test
  void aGithubLoginIsLookedUpIgnoringCase() {
    LocalRpc.Answer a = get(LINKS + "/github/OcTo" + V);

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("github").get("login").asText()).isEqualTo("octo");
    assertThat(a.json().get("matrix").get("userId").asText()).isEqualTo(ADMIN);
  }

  @Test
  void anUnknownGithubLoginIs404() {
    LocalRpc.Answer a = get(LINKS + "/github/nobody-here" + V);

    assertThat(a.status()).isEqualTo(404);
    assertThat(a.json().get("errcode").asText()).isEqualTo("HS_NOTFOUND");
  }

  @Test
  void aMatrixUserGivesAnArrayOfLinks() {
    LocalRpc.Answer a = get(LINKS + "/matrix/%40console%3Alocalhost" + V);

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().isArray()).isTrue();
    assertThat(a.json().get(0).get("github").get("login").asText()).isEqualTo("octo");
  }

  @Test
  void aMatrixUserWithoutLinksIs404NotAnEmptyArray() {
    LocalRpc.Answer a = get(LINKS + "/matrix/%40lonely%3Alocalhost" + V);

    assertThat(a.status()).isEqualTo(404);
    assertThat(a.json().isObject()).isTrue();
  }

  @Test
  void anUnknownLinkIdIs404() {
    assertThat(get(LINKS + "/link-0000" + V).status()).isEqualTo(404);
  }

  // Creating.

  @Test
  void aCreatedLinkIs201WithALocationThatGetsItBack() {
    LocalRpc.Answer created = post(linkOf("@carol:localhost", "CarolGH"));

    LocalRpc.Answer back = get(created.location() + V);

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.location()).startsWith(LINKS + "/link-");
    assertThat(back.status()).isEqualTo(200);
    assertThat(back.json()).isEqualTo(created.json());
    assertThat(back.json().get("source").asText()).isEqualTo("administrator");
    assertThat(back.json().get("matrix").get("displayName").asText()).isEqualTo("Carol Danvers");
    assertThat(back.json().get("github").get("avatar").asText())
        .isEqualTo("https://avatars.githubusercontent.com/u/1001");
    assertThat(get(LINKS + "/github/carolgh" + V).json()).isEqualTo(created.json());
    assertThat(get(LINKS + "/matrix/%40carol%3Alocalhost" + V).json().size()).isEqualTo(1);
  }

  @Test
  void aLoginLinkedAlreadyIs409() {
    post(linkOf("@dave:localhost", "davegh"));

    LocalRpc.Answer again = post(linkOf("@erin:localhost", "DaveGH"));

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("error").asText()).contains("'DaveGH'").contains("linked already");
  }

  // Deleting.

  @Test
  void aDeletedLinkIsGoneAndItsLoginMayBeLinkedAgainToSomeoneElse() {
    String location = post(linkOf("@mallory:localhost", "trentgh")).location();

    LocalRpc.Answer deleted = grapple.send("DELETE", location + V, bearer(LINKER), null);
    LocalRpc.Answer again = grapple.send("DELETE", location + V, bearer(LINKER), null);
    LocalRpc.Answer relinked = post(linkOf("@trent:localhost", "TrentGH"));

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().toString()).isEqualTo("{\"ok\":true}");
    assertThat(get(location + V).status()).isEqualTo(404);
    assertThat(again.status()).isEqualTo(404);
    assertThat(relinked.status()).isEqualTo(201);
    assertThat(get(LINKS + "/github/trentgh" + V).json().get("matrix").get("userId").asText())
        .isEqualTo("@trent:localhost");
  }

  @Test
  void deletingNeedsTheLinkScopeAndAVersion() {
    String location = post(linkOf("@oscar:localhost", "oscargh")).location();

    LocalRpc.Answer reader = grapple.send("DELETE", location + V, bearer(LINK_READER), null);
    LocalRpc.Answer unversioned = grapple.send("DELETE", location, bearer(LINKER), null);

    assertThat(reader.status()).isEqualTo(403);
    assertThat(unversioned.status()).isEqualTo(400);
    assertThat(get(location + V).status()).isEqualTo(200);
  }

  @Test
  void aUsersOwnAccountsAreNotDeletedByTheLinksApi() {
    String id = get(LINKS + "/github/octo" + V).json().get("linkId").asText();

    LocalRpc.Answer a = grapple.send("DELETE", LINKS + "/" + id + V, bearer(LINKER), null);

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("error").asText()).startsWith("'linkId' " + id).contains("logout");
    assertThat(get(LINKS + "/github/octo" + V).status()).isEqualTo(200);
  }

  @Test
  void jsonRpcDeletesALinkWithTheLinkScope() {
    String id =
        grapple
            .rpc(
                LINKER,
                "create_link",
                "{\"matrix\":{\"userId\":\"@peggy:localhost\"},\"github\":{\"login\":\"peggygh\"}}")
            .get("result")
            .get("linkId")
            .asText();
    String args = "{\"linkid\":\"" + id + "\"}";

    JsonNode refused = grapple.rpc(LINK_READER, "delete_link", args);
    JsonNode deleted = grapple.rpc(LINKER, "delete_link", args);
    JsonNode gone = grapple.rpc(LINK_READER, "get_link", args);

    assertThat(refused.get("error").asText()).isEqualTo("API key lacks scope link");
    assertThat(deleted.get("result").toString()).isEqualTo("{\"ok\":true}");
    assertThat(deleted.get("error").isNull()).isTrue();
    assertThat(gone.get("error").asText()).isEqualTo("No link '" + id + "'.");
  }

  /**
   * CONTRACT §14 and the seed make a link with only {@code {"github": {"id": "…"}}}: the bot asks
   * GitHub ({@code GET /user/{id}}, public) for the login. It answered 400 "'github.login' is
   * required".
   */
  @Test
  void aLinkWithOnlyTheGithubIdGetsItsLoginFromGithub() {
    github.user("nat-gh", 583231);

    LocalRpc.Answer a =
        post("{\"matrix\":{\"userId\":\"@nat:localhost\"},\"github\":{\"id\":\"583231\"}}");

    assertThat(a.status()).isEqualTo(201);
    assertThat(a.json().get("github").get("login").asText()).isEqualTo("nat-gh");
    assertThat(a.json().get("github").get("id").asText()).isEqualTo("583231");
    assertThat(get(LINKS + "/github/NAT-GH" + V).json().get("matrix").get("userId").asText())
        .isEqualTo("@nat:localhost");
    assertThat(github.requestsTo("GET", "/user/583231"))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).isNull());
  }

  /** A {@code "login": null} beside the id is no login given: looked up as a missing one. */
  @Test
  void aNullGithubLoginBesideTheIdIsLookedUp() {
    github.user("lee-gh", 583240);

    LocalRpc.Answer a =
        post(
            "{\"matrix\":{\"userId\":\"@lee:localhost\"},"
                + "\"github\":{\"id\":\"583240\",\"login\":null}}");

    assertThat(a.status()).as(a.toString()).isEqualTo(201);
    assertThat(a.json().get("github").get("login").asText()).isEqualTo("lee-gh");
  }

  @Test
  void aGithubThatCannotTellTheLoginIs503AndNoLinkIsMade() {
    github.user("ida-gh", 583299);
    github.failNext("GET", "/user/583299", 1, 502);

    LocalRpc.Answer a =
        post("{\"matrix\":{\"userId\":\"@ida:localhost\"},\"github\":{\"id\":583299}}");

    assertThat(a.status()).isEqualTo(503);
    assertThat(a.json().get("error").asText())
        .startsWith("GitHub could not be asked for the login of github.id 583299")
        .contains("give github.login");
    assertThat(get(LINKS + "/matrix/%40ida%3Alocalhost" + V).status()).isEqualTo(404);
  }

  /**
   * A 404 that is not GitHub's JSON error (a proxy's page, a wrong apiUrl) does not say the account
   * does not exist: it was refused as "no github account", which hid the misconfiguration.
   */
  @Test
  void aNotFoundPageThatIsNotGithubsErrorIs503NotNoSuchAccount() {
    github.user("una-gh", 583300);
    github.notFoundPageNext("GET", "/user/583300", 1);

    LocalRpc.Answer a =
        post("{\"matrix\":{\"userId\":\"@una:localhost\"},\"github\":{\"id\":583300}}");

    assertThat(a.status()).as(a.toString()).isEqualTo(503);
    assertThat(a.json().get("error").asText())
        .startsWith("GitHub could not be asked for the login of github.id 583300")
        .contains("GitHub answered 404 without its API's error")
        .contains("GitHub URL may be wrong");
    assertThat(get(LINKS + "/matrix/%40una%3Alocalhost" + V).status()).isEqualTo(404);
  }

  static Stream<Arguments> badLinks() {
    return Stream.of(
        arguments(
            "without a Matrix user",
            "{\"github\":{\"login\":\"x\"}}",
            "'matrix.userId' is required"),
        arguments(
            "without a login",
            "{\"matrix\":{\"userId\":\"@f:localhost\"},\"github\":{}}",
            "'github.login' is required"),
        arguments(
            "with only an id GitHub has no account for",
            "{\"matrix\":{\"userId\":\"@f:localhost\"},\"github\":{\"id\":\"987654321\"}}",
            "'github.id' 987654321 is no github account"),
        arguments(
            "with only an id that is not GitHub's kind",
            "{\"matrix\":{\"userId\":\"@f:localhost\"},\"github\":{\"id\":\"abc\"}}",
            "'github.id' must be the GitHub account's numeric id"),
        arguments(
            "with a login that is no string",
            "{\"matrix\":{\"userId\":\"@f:localhost\"},\"github\":{\"login\":true}}",
            "'github.login' is required (mentions and assign match it): a string of 1-100"
                + " characters, no spaces, control or invisible characters, or '/', was true"),
        arguments(
            "with a numeric login",
            "{\"matrix\":{\"userId\":\"@f:localhost\"},\"github\":{\"login\":1234}}",
            "'github.login' is required (mentions and assign match it): a string of 1-100"
                + " characters, no spaces, control or invisible characters, or '/', was 1234"),
        arguments(
            "without any forge",
            "{\"matrix\":{\"userId\":\"@g:localhost\"}}",
            "A link needs at least one forge identity besides 'matrix': 'github', 'gitlab',"
                + " 'gitea' or 'jira', each with its login (e.g. \"github\": {\"login\":"
                + " \"octocat\"})."),
        arguments(
            "with a login that reads backwards",
            "{\"matrix\":{\"userId\":\"@j:localhost\"},\"github\":{\"login\":\"ev\\u202Eil\"}}",
            "'github.login' is required (mentions and assign match it): a string of 1-100"
                + " characters, no spaces, control or invisible characters, or '/', was"
                + " \"ev\u202Eil\""),
        arguments(
            "with a login holding a no-break space",
            "{\"matrix\":{\"userId\":\"@j:localhost\"},\"github\":{\"login\":\"a\\u00A0b\"}}",
            "'github.login' is required"),
        arguments(
            "with a misspelt field of a forge",
            "{\"matrix\":{\"userId\":\"@j:localhost\"},\"github\":{\"login\":\"jj\","
                + "\"lgoin\":\"kk\"}}",
            "'github.lgoin' is not a field of github (known: login, id, instance)"),
        arguments(
            "with a field of the answer in matrix",
            "{\"matrix\":{\"userId\":\"@j:localhost\",\"displayName\":\"J\"},"
                + "\"github\":{\"login\":\"jj\"}}",
            "'matrix.displayName' is not a field of matrix (known: userId)"),
        arguments("not JSON", "{nope", "The body is not valid JSON"),
        arguments(
            "with a field given twice",
            "{\"matrix\":{\"userId\":\"@h:localhost\"},\"github\":{\"login\":\"hh\","
                + "\"login\":\"ii\"}}",
            "The body gives the field 'login' more than once"));
  }

  /** A link the API cannot make is 400, its error naming the field (or the body) at fault. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("badLinks")
  void aBadLinkIs400SayingWhy(String what, String body, String error) {
    LocalRpc.Answer a = post(body);

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("error").asText()).startsWith(error);
  }

  // The same through JSON-RPC.

  @Test
  void jsonRpcCreatesAndReadsLinks() {
    JsonNode created =
        grapple.rpc(
            LINKER,
            "create_link",
            "{\"matrix\":{\"userId\":\"@henry:localhost\"},\"github\":{\"login\":\"henrygh\"}}");
    String id = created.get("result").get("linkId").asText();

    JsonNode one = grapple.rpc(LINK_READER, "get_link", "{\"linkid\":\"" + id + "\"}");
    JsonNode all = grapple.rpc(LINK_READER, "get_links", "{\"showOrganizations\":false}");

    assertThat(created.get("error").isNull()).isTrue();
    assertThat(one.get("result")).isEqualTo(created.get("result"));
    assertThat(all.get("result").toString()).contains("henrygh").doesNotContain("organizations");
  }

  @Test
  void jsonRpcCreateLinkNeedsTheLinkScope() {
    JsonNode a =
        grapple.rpc(
            LINK_READER,
            "create_link",
            "{\"matrix\":{\"userId\":\"@i:localhost\"},\"github\":{\"login\":\"igh\"}}");

    assertThat(a.get("error").asText()).isEqualTo("API key lacks scope link");
  }
}
