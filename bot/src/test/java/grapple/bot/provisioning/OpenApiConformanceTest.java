package grapple.bot.provisioning;

import static grapple.bot.LocalMode.ELSEWHERE;
import static grapple.bot.LocalMode.READER;
import static grapple.bot.LocalMode.SECRET;
import static grapple.bot.LocalMode.WEBHOOK;
import static grapple.bot.LocalMode.WRITER;
import static grapple.bot.provisioning.LocalGithub.AS_ALICE;
import static grapple.bot.provisioning.LocalGithub.AS_NOBODY;
import static grapple.bot.provisioning.LocalGrapple.AS_ADMIN;
import static grapple.bot.provisioning.LocalGrapple.COMMANDS_ONLY;
import static grapple.bot.provisioning.LocalGrapple.WRITE_ONLY;
import static grapple.bot.provisioning.LocalGrapple.bearer;
import static grapple.bot.provisioning.LocalGrapple.connections;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.Grapple;
import grapple.bot.LocalMode;
import grapple.bot.MatrixProfiles;
import grapple.bot.config.Config;
import grapple.bot.github.GithubService;
import grapple.bot.http.Router;
import grapple.bot.room.RoomStates;
import grapple.bot.rpc.JsonRpc;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Migrations;
import grapple.state.PeopleLinks;
import grapple.testing.github.GithubAppKey;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * openapi.json against the API as built: the document is OpenAPI 3.1, names every route the router
 * serves, and every answer the API gives (each route, each status) fits the response the document
 * lists for that path, method and status. One Grapple runs with the github service disabled,
 * another with it enabled against a local GitHub.
 */
class OpenApiConformanceTest {
  private static final String PUT_HOOK = connections("/" + WEBHOOK + AS_ADMIN);
  private static final OpenApiDocument document = OpenApiDocument.load();

  @TempDir static Path dir;
  private static LocalGrapple grapple;
  private static LocalGithub github;

  @BeforeAll
  static void start() throws Exception {
    grapple = LocalGrapple.start(dir);
    github = LocalGithub.start(Files.createDirectory(dir.resolve("github")));
  }

  @AfterAll
  static void stop() {
    grapple.close();
    if (github != null) github.close();
  }

  private static List<String> problems(List<Answer> answers) {
    List<String> out = new ArrayList<>();
    for (Answer a : answers) out.addAll(document.problems(a));
    return out;
  }

  private static String one(String id) {
    return connections("/" + id + AS_ADMIN);
  }

  // The document itself.

  @Test
  void theDocumentParsesAndIsOpenApi31() {
    JsonNode root = document.root;

    assertThat(root.path("openapi").asText()).matches("3\\.1\\.\\d+");
    assertThat(root.path("info").path("title").asText()).isNotEmpty();
    assertThat(root.path("info").path("version").asText()).isNotEmpty();
    assertThat(document.templates()).isNotEmpty();
  }

  @Test
  void everyRefResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(document.root, refs);

    assertThat(refs).isNotEmpty();
    for (String ref : refs) assertThat(document.checker.resolve(ref)).as(ref).isNotNull();
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.has("$ref")) refs.add(node.get("$ref").asText());
    for (JsonNode child : node) collectRefs(child, refs);
  }

  @Test
  void everyOperationListsItsStatusesAndTheRequestIdHeader() {
    for (String template : document.templates()) {
      for (String method : document.methods(template)) {
        JsonNode responses =
            document
                .root
                .path("paths")
                .path(template)
                .path(method.toLowerCase(Locale.ROOT))
                .path("responses");
        assertThat(responses.size()).as(method + " " + template).isPositive();
        for (JsonNode response : responses) {
          assertThat(document.deref(response).path("headers").has("X-Request-Id"))
              .as(method + " " + template)
              .isTrue();
        }
      }
    }
  }

  @Test
  void theErrorSchemaListsExactlyTheErrorCodes() {
    Set<String> documented = new TreeSet<>();
    document
        .checker
        .resolve("#/components/schemas/Error")
        .path("properties")
        .path("errcode")
        .path("enum")
        .forEach(code -> documented.add(code.asText()));

    Set<String> built =
        Arrays.stream(ErrorCode.values())
            .map(ErrorCode::wire)
            .collect(Collectors.toCollection(TreeSet::new));

    assertThat(documented).isEqualTo(built);
  }

  @Test
  void theSecuritySchemesAreBearerAndBasic() {
    JsonNode schemes = document.root.path("components").path("securitySchemes");

    assertThat(schemes.path("bearer").path("scheme").asText()).isEqualTo("bearer");
    assertThat(schemes.path("basic").path("scheme").asText()).isEqualTo("basic");
    assertThat(
            document
                .root
                .path("paths")
                .path("/v1/openapi.json")
                .path("get")
                .path("security")
                .isEmpty())
        .isTrue();
  }

  // The document against the router.

  @Test
  void everyRouteTheRouterServesIsDocumentedAndNothingElse() {
    Set<String> served = servedRoutes();
    // Every listener answers its probes itself, HEAD too (for load balancers that send it).
    served.addAll(List.of("GET /live", "GET /ready", "HEAD /live", "HEAD /ready"));

    Set<String> documented = new TreeSet<>();
    for (String template : document.templates()) {
      for (String method : document.methods(template))
        documented.add(method + " " + anonymous(template));
    }

    assertThat(documented).isEqualTo(served);
  }

  /**
   * {@code METHOD /v1/{}/connections}: the routes of the provisioning listener as Grapple wires
   * them (the {@code /v1} API, the identity links, JSON-RPC), read from the router.
   */
  private static Set<String> servedRoutes() {
    ProvisioningApi api =
        new ProvisioningApi(
            new Config.Provisioning(SECRET, List.of()), null, Grapple.knownServices());
    Router router = api.router(List.of());
    try (Database db = Database.open(dir.resolve("routes.db"), Migrations.core())) {
      PeopleLinks people = new PeopleLinks(db, Clock.systemUTC());
      api.addLinks(
          router,
          new IdentityLinks(people, new MatrixProfiles(new RoomStates(), null, people), Map.of()));
    }
    new JsonRpc(api::authenticate, List.of()).addTo(router);
    Set<String> out = new TreeSet<>();
    for (String route : router.routes()) out.add(anonymous(route));
    return out;
  }

  /**
   * A template with its parameter names dropped: OpenAPI allows one name per position, the router
   * another.
   */
  private static String anonymous(String template) {
    return template.replaceAll("\\{[^}]*}", "{}");
  }

  @Test
  void anotherMethodOnEveryDocumentedPathIs405AllowingTheDocumentedMethods() {
    List<Answer> answers = new ArrayList<>();
    for (String template : document.templates()) {
      if (template.equals("/live") || template.equals("/ready")) continue;
      answers.add(grapple.call("OPTIONS", example(template), bearer(SECRET), null));
    }

    for (Answer a : answers) assertThat(a.status()).as(a.toString()).isEqualTo(405);
    assertThat(problems(answers)).isEmpty();
  }

  private static String example(String template) {
    return template
        .replace("{roomId}", LocalMode.ROOM_PATH)
        .replace("{id}", "AAAAAAAAAAAAAAAA")
        .replace("{org}", "acme")
        .replace("{linkId}", "link-0000")
        .replace("{userId}", "%40console%3Alocalhost")
        .replace("{service}", "github")
        .replace("{login}", "octo")
        .replace("{name}", "acme");
  }

  @Test
  void theServedDocumentIsTheResourceAndNeedsNoToken() throws Exception {
    Answer a = grapple.call("GET", "/v1/openapi.json", null, null);

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.header("Content-Type")).startsWith("application/json");
    try (InputStream in = OpenApiConformanceTest.class.getResourceAsStream("/openapi.json")) {
      assertThat(a.body()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(problems(List.of(a))).isEmpty();
  }

  // Every answer against the document.

  @Test
  void theMetaRoutesMatchTheDocument() {
    List<Answer> answers =
        List.of(
            grapple.get("/v1/health"),
            grapple.call("GET", "/v1/health", null, null),
            grapple.get("/v1/connectiontypes"),
            grapple.call("GET", "/v1/connectiontypes", bearer("wrong-token-0123456789"), null),
            grapple.call("GET", "/live", null, null),
            grapple.call("GET", "/ready", null, null),
            grapple.get("/v1/nope"),
            grapple.get("/v1/nope/connections/x/y"));

    assertThat(statuses(answers)).containsExactly(200, 401, 200, 401, 200, 200, 404, 404);
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theLinkRoutesAnswersMatchTheDocument() {
    String links = "/api/people/links?api-version=2026-12-01";
    String octo = "{\"matrix\":{\"userId\":\"@doc:localhost\"},\"github\":{\"login\":\"doc-gh\"}}";
    Answer created = grapple.call("POST", links, bearer(SECRET), octo);
    String location = created.header("Location") + "?api-version=2026-12-01";
    List<Answer> answers =
        List.of(
            created,
            grapple.call("GET", links, bearer(SECRET), null),
            grapple.call("GET", links + "&showOrganizations=0", bearer(SECRET), null),
            grapple.call("GET", location, bearer(SECRET), null),
            grapple.call(
                "GET",
                "/api/people/links/matrix/%40doc%3Alocalhost?api-version=2026-12-01",
                bearer(SECRET),
                null),
            grapple.call(
                "GET",
                "/api/people/links/github/DOC-GH?api-version=2026-12-01",
                bearer(SECRET),
                null),
            grapple.call("POST", links, bearer(SECRET), octo),
            grapple.call("POST", links, bearer(SECRET), "{\"matrix\":{}}"),
            grapple.call("GET", "/api/people/links", bearer(SECRET), null),
            grapple.call("GET", links, null, null),
            grapple.call("GET", links, bearer(READER), null),
            grapple.call(
                "GET", "/api/people/links/link-0000?api-version=2026-12-01", bearer(SECRET), null),
            grapple.call(
                "POST", links, bearer(SECRET), "{\"x\":\"" + "x".repeat(70 * 1024) + "\"}"));

    assertThat(statuses(answers))
        .containsExactly(201, 200, 200, 200, 200, 200, 409, 400, 400, 401, 403, 404, 413);
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theJsonRpcAnswersMatchTheDocument() {
    List<Answer> answers =
        List.of(
            grapple.call(
                "POST",
                "/_admin/api",
                null,
                "{\"id\":1,\"api_key\":\"" + SECRET + "\",\"method\":\"get_health\",\"args\":{}}"),
            grapple.call(
                "POST",
                "/_admin/api",
                null,
                "{\"id\":\"x\",\"api_key\":\"nope\",\"method\":\"get_rooms\"}"),
            grapple.call("POST", "/_admin/api", null, "not json"));

    assertThat(statuses(answers)).containsExactly(200, 200, 200);
    assertThat(answers.get(0).json().get("error").isNull()).isTrue();
    assertThat(answers.get(1).json().get("error").asText()).isEqualTo("Invalid API key");
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theConnectionRoutesHappyAnswersMatchTheDocument() {
    Answer plain = grapple.put(PUT_HOOK, "{\"name\":\"doc-plain\"}");
    Answer keyed = grapple.call("PUT", PUT_HOOK, bearer(WRITER), "{\"name\":\"doc-keyed\"}");
    String id = keyed.json().get("id").asText();
    List<Answer> answers =
        List.of(
            plain,
            keyed,
            grapple.get(connections(AS_ADMIN)),
            grapple.get(one(id)),
            grapple.call("PATCH", one(id), bearer(WRITER), "{\"includeHookBody\":false}"),
            grapple.get(one(id)),
            grapple.patch(one(id), "{\"includeHookBody\":null}"),
            grapple.delete(one(plain.json().get("id").asText())));

    assertThat(statuses(answers)).containsExactly(200, 201, 200, 200, 200, 200, 200, 200);
    assertThat(answers.get(3).json().has("createdByKey")).isTrue();
    assertThat(answers.get(5).json().has("updatedByKey")).isTrue();
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theConnectionRoutesRefusalsMatchTheDocument() {
    String id = grapple.createHook("doc-refusals").json().get("id").asText();
    List<Answer> answers = new ArrayList<>();
    for (String path : List.of(connections(AS_ADMIN), one(id))) answers.addAll(readRefusals(path));
    answers.addAll(writeRefusals("PUT", PUT_HOOK));
    answers.addAll(writeRefusals("PATCH", one(id)));
    answers.addAll(writeRefusals("DELETE", one(id)));
    answers.add(grapple.put(PUT_HOOK, "{\"name\":\"doc-refusals\"}"));
    answers.add(grapple.put(PUT_HOOK, "{\"name\":\"x\"}"));
    answers.add(grapple.put(connections("/uk.half-shot.matrix-hookshot.feed" + AS_ADMIN), "{}"));
    answers.add(
        grapple.put(connections("/uk.half-shot.matrix-hookshot.jira.project" + AS_ADMIN), "{}"));
    answers.add(grapple.put(connections("/org.example.nothing" + AS_ADMIN), "{}"));
    answers.add(
        grapple.put(PUT_HOOK, "{\"name\":\"doc-big\",\"x\":\"" + "x".repeat(70 * 1024) + "\"}"));
    answers.add(grapple.patch(one(id), "{\"x\":\"" + "x".repeat(70 * 1024) + "\"}"));
    answers.add(grapple.patch(one(id), "{\"name\":\"renamed\"}"));
    answers.add(grapple.patch(one(id), "["));
    answers.add(grapple.delete(one("AAAAAAAAAAAAAAAA")));

    assertThat(statuses(answers)).contains(400, 401, 403, 404, 409, 413);
    assertThat(problems(answers)).isEmpty();
  }

  /** The refusals every room route shares: token, userId, room, membership, key scope and rooms. */
  private static List<Answer> readRefusals(String path) {
    String bare = path.substring(0, path.indexOf('?'));
    return List.of(
        grapple.call("GET", path, null, null),
        grapple.get(bare),
        grapple.get(bare + "?userId=console"),
        grapple.get(bare.replace(LocalMode.ROOM_PATH, "%2521console%253Alocalhost") + AS_ADMIN),
        grapple.get(bare.replace(LocalMode.ROOM_PATH, "%21nope%3Alocalhost") + AS_ADMIN),
        grapple.get(bare + "?userId=%40stranger%3Alocalhost"),
        grapple.call("GET", path, bearer(ELSEWHERE), null));
  }

  private static List<Answer> writeRefusals(String method, String path) {
    String bare = path.substring(0, path.indexOf('?'));
    String body = method.equals("DELETE") ? null : "{\"name\":\"doc-refused\"}";
    return List.of(
        grapple.call(method, path, null, body),
        grapple.call(method, bare, bearer(SECRET), body),
        grapple.call(method, bare + "?userId=%40stranger%3Alocalhost", bearer(SECRET), body),
        grapple.call(
            method,
            bare.replace(LocalMode.ROOM_PATH, "%21nope%3Alocalhost") + AS_ADMIN,
            bearer(SECRET),
            body),
        grapple.call(method, path, bearer(READER), body),
        grapple.call(method, path, bearer(ELSEWHERE), body));
  }

  @Test
  void aConfigRefusalMatchesTheDocument(@TempDir Path other) throws Exception {
    try (LocalGrapple limited = LocalGrapple.start(other, COMMANDS_ONLY)) {
      Answer a = limited.put(PUT_HOOK, "{\"name\":\"doc-forbidden\"}");

      assertThat(a.errcode()).isEqualTo("HS_FORBIDDEN_USER");
      assertThat(problems(List.of(a))).isEmpty();
    }
  }

  @Test
  void theServiceRoutesMatchTheDocument() {
    List<Answer> answers = new ArrayList<>();
    for (String template : document.templates()) {
      if (!template.startsWith("/v1/github/") && !template.startsWith("/v1/jira/")) continue;
      answers.add(grapple.get(example(template) + AS_ADMIN));
      answers.add(grapple.call("GET", example(template), null, null));
    }

    assertThat(answers).hasSize(14);
    assertThat(statuses(answers)).containsOnly(400, 401);
    assertThat(answers)
        .filteredOn(a -> a.status() == 400)
        .extracting(Answer::errcode)
        .containsOnly("HS_DISABLED_FEATURE");
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void whileGithubIsDisabledItsRoutesAnswerDisabledWhateverTheParameters() {
    List<Answer> answers = new ArrayList<>();
    for (String template : githubTemplates()) {
      answers.add(grapple.get(example(template)));
      answers.add(
          grapple.get(
              example(template).replace("acme", "-bad") + "?userId=bob&page=0&perPage=500"));
      answers.add(grapple.call("GET", example(template) + AS_ADMIN, bearer(WRITE_ONLY), null));
    }

    assertThat(answers).hasSize(12).extracting(Answer::errcode).containsOnly("HS_DISABLED_FEATURE");
    assertThat(problems(answers)).isEmpty();
  }

  private static List<String> githubTemplates() {
    return document.templates().stream().filter(t -> t.startsWith("/v1/github/")).toList();
  }

  // The github routes, enabled, against a local GitHub.

  @Test
  void withGithubEnabledItsRoutesAreTheDocumentedOnes() {
    List<Answer> answers = new ArrayList<>();
    for (String template : githubTemplates()) {
      answers.add(github.grapple.call("OPTIONS", example(template), bearer(SECRET), null));
      answers.add(github.grapple.call("GET", example(template), null, null));
    }
    List<String> served =
        new GithubService().info().apiRoutes().stream().map(path -> "/v1/github" + path).toList();

    assertThat(served).containsExactlyInAnyOrderElementsOf(githubTemplates());
    assertThat(statuses(answers)).containsExactly(405, 401, 405, 401, 405, 401, 405, 401);
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theGithubOAuthRouteMatchesTheDocument() {
    Answer links = github.grapple.get("/v1/github/oauth" + AS_NOBODY);
    List<Answer> answers =
        List.of(
            links,
            github.grapple.call("GET", "/v1/github/oauth" + AS_NOBODY, bearer(WRITE_ONLY), null),
            github.grapple.get("/v1/github/oauth"),
            github.grapple.get("/v1/github/oauth?userId=nobody"),
            github.grapple.call("GET", "/v1/github/oauth" + AS_NOBODY, null, null),
            // Starting a link is a write: a read-only key may not link someone's account.
            github.grapple.call("GET", "/v1/github/oauth" + AS_NOBODY, bearer(READER), null));

    assertThat(statuses(answers)).containsExactly(200, 200, 400, 400, 401, 403);
    assertThat(links.keys()).containsExactly("user_url", "org_url");
    assertThat(links.json().get("user_url").asText())
        .startsWith(
            github.fake.webUrl()
                + "/login/oauth/authorize?client_id="
                + LocalGithub.CLIENT_ID
                + "&redirect_uri="
                + URLEncoder.encode(LocalGithub.REDIRECT_URI, StandardCharsets.UTF_8)
                + "&scope=");
    HttpUrl userUrl = HttpUrl.get(links.json().get("user_url").asText());
    assertThat(userUrl.queryParameter("scope")).isEqualTo("repo read:org");
    assertThat(userUrl.queryParameter("state")).hasSizeGreaterThanOrEqualTo(32);
    assertThat(links.json().get("org_url").asText())
        .isEqualTo(github.fake.webUrl() + "/apps/" + LocalGithub.APP_SLUG + "/installations/new");
    assertThat(answers.get(1).json().get("user_url")).isNotEqualTo(links.json().get("user_url"));
    assertThat(answers.get(2).errcode()).isEqualTo("HS_BAD_VALUE");
    assertThat(answers.get(5).errcode()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theGithubOAuthRouteNeedsTheLoginPermission() {
    // The config gives everyone on localhost every level; a user of another server has none.
    Answer a = github.grapple.get("/v1/github/oauth?userId=%40mallory%3Aelsewhere.example");

    assertThat(a.status()).isEqualTo(403);
    assertThat(a.errcode()).isEqualTo("HS_FORBIDDEN_USER");
    assertThat(a.json().get("error").asText()).contains("`login`");
    assertThat(problems(List.of(a))).isEmpty();
  }

  @Test
  void withoutAnOAuthClientTheGithubOAuthRouteIsDisabled(@TempDir Path other) throws Exception {
    Path keyFile = Files.writeString(other.resolve("app.pem"), GithubAppKey.generate().pkcs1Pem());
    try (LocalGrapple noOAuth =
        LocalGrapple.start(other, LocalGithub.config(github.fake, keyFile, false))) {
      Answer a = noOAuth.get("/v1/github/oauth" + AS_NOBODY);

      assertThat(a.status()).isEqualTo(400);
      assertThat(a.errcode()).isEqualTo("HS_DISABLED_FEATURE");
      assertThat(a.error()).contains("github.oauth");
      assertThat(problems(List.of(a))).isEmpty();
    }
  }

  @Test
  void theGithubAccountRouteMatchesTheDocument() {
    Answer octo = github.grapple.get("/v1/github/account" + AS_ADMIN);
    Answer onePage = github.grapple.get("/v1/github/account" + AS_ADMIN + "&perPage=1");
    Answer nobody = github.grapple.get("/v1/github/account" + AS_NOBODY);
    Answer alice = github.grapple.get("/v1/github/account" + AS_ALICE);
    github.fake.failNext("GET", "/user/installations", 1, 401);
    List<Answer> answers =
        List.of(
            octo,
            onePage,
            nobody,
            alice,
            github.grapple.get("/v1/github/account" + AS_ADMIN),
            github.grapple.get("/v1/github/account" + AS_ADMIN + "&page=0"),
            github.grapple.get("/v1/github/account?userId=%40"),
            github.grapple.call("GET", "/v1/github/account" + AS_ADMIN, null, null),
            github.grapple.call("GET", "/v1/github/account" + AS_ADMIN, bearer(WRITE_ONLY), null));

    assertThat(statuses(answers)).containsExactly(200, 200, 200, 200, 400, 400, 400, 401, 403);
    assertThat(octo.keys()).containsExactly("loggedIn", "username", "organisations");
    assertThat(octo.json().get("username").asText()).isEqualTo("octo");
    assertThat(octo.json().get("organisations").findValuesAsText("name"))
        .containsExactlyInAnyOrder("acme", "octo");
    assertThat(onePage.json().get("organisations")).hasSize(1);
    assertThat(nobody.body()).isEqualTo("{\"loggedIn\":false}");
    assertThat(alice.body())
        .isEqualTo("{\"loggedIn\":true,\"username\":\"alice\",\"organisations\":[]}");
    assertThat(answers.get(4).errcode()).isEqualTo("HS_ADDITIONAL_ACTION_REQUIRED");
    assertThat(answers.get(5).errcode()).isEqualTo("HS_BAD_VALUE");
    assertThat(answers.get(5).error()).contains("page");
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void aRateLimitedAccountRouteIsAnErrorNotAnEmptyList() {
    github.fake.rateLimitNext("GET", "/user/installations", 1, java.time.Duration.ofSeconds(30));
    Answer limited = github.grapple.get("/v1/github/account" + AS_ADMIN);

    assertThat(limited.status()).isEqualTo(502);
    assertThat(limited.errcode()).isEqualTo("HS_UNKNOWN");
    assertThat(limited.error())
        .isEqualTo("GitHub is rate limiting requests. Try again in 30 seconds.");
    assertThat(limited.header("Retry-After")).isEqualTo("30");
    assertThat(problems(List.of(limited))).isEmpty();
  }

  @Test
  void theGithubRepositoryRoutesAnswersMatchTheDocument() {
    String mine = "/v1/github/repositories" + AS_ADMIN;
    String acme = "/v1/github/orgs/acme/repositories" + AS_ADMIN;
    List<Answer> answers =
        List.of(
            github.grapple.get(mine),
            github.grapple.get(mine + "&perPage=1"),
            github.grapple.get(mine + "&page=2&perPage=1"),
            github.grapple.get(acme),
            github.grapple.get(acme + "&perPage=1&page=1"),
            github.grapple.call("GET", acme, bearer(READER), null),
            github.grapple.get("/v1/github/repositories" + AS_ALICE),
            github.grapple.get("/v1/github/orgs/octo/repositories" + AS_ADMIN));

    assertThat(statuses(answers)).containsOnly(200);
    assertThat(answers.get(7).json().get("repositories").findValuesAsText("fullName"))
        .as("the user's own account, which /account lists among the organisations")
        .containsExactlyInAnyOrder("octo/one", "octo/two");
    assertThat(answers).allSatisfy(a -> assertThat(a.json().get("loggedIn").asBoolean()).isTrue());
    assertThat(answers.get(0).json().get("repositories").findValuesAsText("fullName"))
        .containsExactlyInAnyOrder("octo/one", "octo/two", "acme/widgets");
    assertThat(answers.get(0).json().get("page").asInt()).isEqualTo(1);
    assertThat(answers.get(0).json().has("nextPage")).isFalse();
    assertThat(answers.get(0).json().get("changeSelectionUrl").asText())
        .isEqualTo(github.fake.webUrl() + "/apps/" + LocalGithub.APP_SLUG + "/installations/new");
    assertThat(answers.get(1).json().get("repositories")).hasSize(1);
    assertThat(answers.get(1).json().get("nextPage").asInt()).isEqualTo(2);
    assertThat(answers.get(2).json().get("page").asInt()).isEqualTo(2);
    assertThat(answers.get(2).json().get("nextPage").asInt()).isEqualTo(3);
    assertThat(answers.get(3).json().get("repositories").findValuesAsText("fullName"))
        .containsExactlyInAnyOrder("acme/widgets", "acme/gadgets");
    assertThat(answers.get(3).json().get("repositories"))
        .allSatisfy(
            r -> {
              assertThat(Answer.keysOf(r))
                  .containsExactly("name", "owner", "fullName", "avatarUrl", "description");
              assertThat(r.get("owner").asText()).isEqualTo("acme");
              assertThat(r.get("avatarUrl").asText())
                  .startsWith(github.fake.webUrl() + "/avatars/");
              assertThat(r.get("description").asText())
                  .isEqualTo(
                      r.get("name").asText().equals("widgets") ? "Widgets for everyone" : "");
            });
    assertThat(answers.get(4).json().get("nextPage").asInt()).isEqualTo(2);
    assertThat(answers.get(3).json().get("changeSelectionUrl").asText())
        .as("the App's installation on acme, where its repository selection is changed")
        .isEqualTo(github.fake.webUrl() + "/organizations/acme/settings/installations/1");
    assertThat(answers.get(7).json().get("changeSelectionUrl").asText())
        .isEqualTo(github.fake.webUrl() + "/settings/installations/2");
    assertThat(answers.get(6).json().get("changeSelectionUrl").asText())
        .as("alice's classic OAuth token cannot list installations: the install page")
        .isEqualTo(github.fake.webUrl() + "/apps/" + LocalGithub.APP_SLUG + "/installations/new");
    assertThat(answers.get(6).json().get("repositories")).isEmpty();
    assertThat(problems(answers)).isEmpty();
  }

  @Test
  void theGithubRepositoryRoutesRefusalsMatchTheDocument() {
    List<Answer> answers = new ArrayList<>();
    for (String path : List.of("/v1/github/repositories", "/v1/github/orgs/acme/repositories")) {
      answers.add(github.grapple.get(path + AS_NOBODY));
      answers.add(github.grapple.call("GET", path + AS_ADMIN, bearer(WRITE_ONLY), null));
      answers.add(github.grapple.call("GET", path + AS_ADMIN, null, null));
      answers.add(github.grapple.get(path));
      answers.add(github.grapple.get(path + AS_ADMIN + "&perPage=101"));
      answers.add(github.grapple.get(path + AS_ADMIN + "&page=abc"));
    }
    answers.add(github.grapple.get("/v1/github/orgs/-acme/repositories" + AS_ADMIN));
    answers.add(github.grapple.get("/v1/github/orgs/nope/repositories" + AS_ADMIN));
    github.fake.failNext("GET", "/user/repos", 1, 401);
    answers.add(github.grapple.get("/v1/github/repositories" + AS_ADMIN));
    github.fake.failNext("GET", "/user/repos", 1, 503);
    answers.add(github.grapple.get("/v1/github/repositories" + AS_ADMIN));

    assertThat(statuses(answers))
        .containsExactly(
            403, 403, 401, 400, 400, 400, 403, 403, 401, 400, 400, 400, 400, 400, 400, 502);
    assertThat(answers.get(0).errcode()).isEqualTo("HS_FORBIDDEN_USER");
    assertThat(answers.get(0).error()).isEqualTo("Not logged in");
    assertThat(answers.get(1).errcode()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(answers.get(4).error()).contains("perPage");
    assertThat(answers.get(12).errcode()).isEqualTo("HS_BAD_VALUE");
    assertThat(answers.get(12).error()).contains("org");
    assertThat(answers.subList(13, 15))
        .extracting(Answer::errcode)
        .containsOnly("HS_ADDITIONAL_ACTION_REQUIRED");
    assertThat(answers.get(15).errcode())
        .as("GitHub failing is not the user's to fix: no 'additional action'")
        .isEqualTo("HS_UNKNOWN");
    assertThat(answers.get(15).error()).contains("try again later");
    assertThat(problems(answers)).isEmpty();
  }

  /**
   * GitHub's rate limit is not the user's to act on: 502 "try again later", saying when, with
   * {@code Retry-After}. It was 400 HS_ADDITIONAL_ACTION_REQUIRED, "the user must act".
   */
  @Test
  void aGithubRateLimitIs502SayingWhenToTryAgain() {
    github.fake.rateLimitNext("GET", "/user/repos", 1, java.time.Duration.ofSeconds(90));

    Answer a = github.grapple.get("/v1/github/repositories" + AS_ADMIN);

    assertThat(a.status()).as(a.toString()).isEqualTo(502);
    assertThat(a.errcode()).isEqualTo("HS_UNKNOWN");
    assertThat(a.error()).isEqualTo("GitHub is rate limiting requests. Try again in 2 minutes.");
    assertThat(a.header("Retry-After")).isEqualTo("90");
    assertThat(problems(List.of(a))).isEmpty();
  }

  private static List<Integer> statuses(List<Answer> answers) {
    return answers.stream().map(Answer::status).toList();
  }

  // The checker catches drift (so the tests above mean something).

  private static Answer answer(
      String method, String path, int status, String body, String... headers) {
    List<String> all = new ArrayList<>(List.of("X-Request-Id", "0123abcd"));
    all.addAll(List.of(headers));
    return new Answer(method, path, status, Headers.of(all.toArray(new String[0])), body);
  }

  private static final String CONNECTION =
      """
      {"type":"Webhook","eventType":"%s","id":"abc","service":"generic","botUserId":"@grapple:localhost",\
      "config":{"name":"ci"},"createdBy":"@a:localhost","createdAt":"2026-12-02T10:00:00.000Z",\
      "updatedBy":"@a:localhost","updatedAt":"2026-12-02T10:00:00.000Z"%s}""";

  @Test
  void aConnectionInTheDocumentedShapePasses() {
    Answer ok = answer("PATCH", one("abc"), 200, CONNECTION.formatted(WEBHOOK, ""));

    assertThat(document.problems(ok)).isEmpty();
  }

  static Stream<Arguments> drift() {
    return Stream.of(
        arguments(
            named(
                "an extra key",
                answer("PATCH", one("abc"), 200, CONNECTION.formatted(WEBHOOK, ",\"secrets\":{}"))),
            "secrets"),
        arguments(
            named("an undocumented status", answer("GET", "/v1/health", 418, "{}")),
            "does not list this status"),
        arguments(
            named(
                "an errcode that the status does not document",
                answer(
                    "GET",
                    connections(AS_ADMIN),
                    401,
                    "{\"errcode\":\"HS_NOTFOUND\",\"error\":\"x\"}")),
            "HS_BAD_TOKEN"),
        arguments(
            named(
                "a missing required header",
                answer(
                    "PUT",
                    PUT_HOOK,
                    201,
                    CONNECTION.formatted(WEBHOOK, ",\"secrets\":{\"url\":\"http://x\"}"))),
            "Location"),
        arguments(
            named(
                "a 405 whose Allow differs from the document",
                answer(
                    "POST",
                    connections(""),
                    405,
                    "{\"errcode\":\"HS_METHOD_NOT_ALLOWED\",\"error\":\"x\"}",
                    "Allow",
                    "GET, PUT")),
            "Allow"));
  }

  /** Drift from the document is caught, its one problem naming what drifted. */
  @ParameterizedTest(name = "the checker rejects {0}")
  @MethodSource("drift")
  void theCheckerRejectsDrift(Answer answer, String naming) {
    assertThat(document.problems(answer)).singleElement().asString().contains(naming);
  }

  @Test
  void theCheckerRejectsAMissingKeyAndAWrongType() {
    Answer missing = answer("PATCH", one("abc"), 200, "{\"type\":\"Webhook\",\"id\":1}");

    assertThat(document.problems(missing))
        .anySatisfy(p -> assertThat(p).contains("'eventType'"))
        .anySatisfy(p -> assertThat(p).contains("$.id: must be \"string\""));
  }

  @Test
  void theCheckerKnowsNullableTypesAnyOfAndOneOf() throws Exception {
    JsonSchemaChecker checker = new JsonSchemaChecker(Json.object());
    JsonNode schema =
        Json.MAPPER.readTree(
            """
        {"oneOf": [{"type": ["string", "null"]}, {"type": "integer", "minimum": 1}],
         "anyOf": [{"enum": [null, "a", 2]}, {"type": "integer"}]}""");

    assertThat(checker.problems(schema, Json.MAPPER.readTree("null"))).isEmpty();
    assertThat(checker.problems(schema, Json.MAPPER.readTree("\"a\""))).isEmpty();
    assertThat(checker.problems(schema, Json.MAPPER.readTree("\"b\"")))
        .singleElement()
        .asString()
        .contains("anyOf");
    assertThat(checker.problems(schema, Json.MAPPER.readTree("0")))
        .singleElement()
        .asString()
        .contains("oneOf");
    assertThat(checker.problems(schema, Json.MAPPER.readTree("true"))).hasSize(2);
  }

  @Test
  void theCheckerRefusesAKeywordItDoesNotKnow() throws Exception {
    JsonSchemaChecker checker = new JsonSchemaChecker(Json.object());
    JsonNode schema = Json.MAPPER.readTree("{\"unevaluatedProperties\": false}");

    assertThatThrownBy(() -> checker.problems(schema, Json.object()))
        .hasMessageContaining("unevaluatedProperties");
  }
}
