package grapple.testing.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import grapple.state.Json;
import grapple.testing.HeldAnswers;
import grapple.testing.LoopbackServer;
import grapple.testing.NotFoundPages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A local Gitea for tests: an HTTP server on 127.0.0.1 speaking the Gitea REST API v1 (which
 * Forgejo speaks too) for every call Grapple makes: {@code GET /api/v1/user}, {@code GET
 * /api/v1/repos/{owner}/{repo}} with the caller's {@code permissions}, hooks created and deleted,
 * issues created, edited (closed) and commented on. Bodies have the shapes of Gitea's swagger
 * definitions; errors are Gitea's {@code APIError}. It records every request, and {@link #deliver}
 * sends a webhook to the repository's hooks as Gitea does (signed with each hook's secret).
 * Thread-safe.
 *
 * <pre>{@code
 * try (FakeGitea gitea = FakeGitea.start()) {
 *   gitea.user("alice", "token-a").repo("o/r", "alice", FakeGitea.Access.ADMIN);
 *   // ... point the bot's instance at gitea.url(), drive it ...
 *   assertThat(gitea.hooks("o/r")).singleElement().extracting(FakeGitea.Hook::secret)...;
 * }
 * }</pre>
 */
public final class FakeGitea implements AutoCloseable {
  /** What a user may do on a repository ({@code permissions}: pull; push; admin). */
  public enum Access {
    READ,
    WRITE,
    ADMIN
  }

  /** A repository hook as created through the API, with its secret (Gitea never shows it). */
  public record Hook(
      long id,
      String type,
      String url,
      String contentType,
      String secret,
      List<String> events,
      boolean active) {}

  /** An issue; {@code comments} are their bodies, {@code labels} the names of its labels. */
  public record Issue(
      int number,
      String title,
      String body,
      String author,
      boolean open,
      List<String> comments,
      List<String> labels) {
    Issue with(boolean open, List<String> comments) {
      return new Issue(number, title, body, author, open, comments, labels);
    }
  }

  /** A repository label. */
  public record Label(long id, String name, String color) {}

  /** A repository and what is on it. */
  static final class Repo {
    final long id;
    final String owner;
    final String name;
    final Map<String, Access> access = new HashMap<>();
    final List<Hook> hooks = new ArrayList<>();
    final List<Issue> issues = new ArrayList<>();
    final List<Label> labels = new ArrayList<>();

    Repo(long id, String owner, String name) {
      this.id = id;
      this.owner = owner;
      this.name = name;
    }

    String fullName() {
      return owner + "/" + name;
    }

    int openIssues() {
      return (int) issues.stream().filter(Issue::open).count();
    }
  }

  private static final Set<String> HOOK_TYPES =
      Set.of("gitea", "forgejo", "gogs", "slack", "discord", "matrix", "msteams", "packagist");
  private static final Pattern REPO_PATH = Pattern.compile("/api/v1/repos/([^/]+)/([^/]+)(/.*)?");
  private static final Pattern ORG_LABELS = Pattern.compile("/api/v1/orgs/([^/]+)/labels");

  /** Gitea's {@code [api] DEFAULT_PAGING_NUM} and {@code MAX_RESPONSE_ITEMS}. */
  private static final int DEFAULT_PAGE = 30;

  private static final int MAX_PAGE = 50;

  private final LoopbackServer server = new LoopbackServer("the fake Gitea", "fake-gitea");
  private final GiteaBodies bodies;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, String> loginByToken = new HashMap<>();
  private final Map<String, Long> idByLogin = new HashMap<>();
  private final Map<String, Repo> repos = new HashMap<>();
  private final Map<String, List<Label>> orgLabels = new HashMap<>();
  private boolean paging = true;
  private String unauthorized = "user does not exist [uid: 0, name: ]";
  private final List<GiteaCall> calls = new ArrayList<>();
  private final List<Limit> limits = new ArrayList<>();
  private final NotFoundPages pages = new NotFoundPages();
  private final HeldAnswers holds = new HeldAnswers();
  private long nextId = 100;

  /** A rate limit planned for the next request to {@code method} under {@code pathPrefix}. */
  private record Limit(String method, String pathPrefix, Duration retryAfter) {}

  private FakeGitea() {
    bodies = new GiteaBodies(url());
  }

  public static FakeGitea start() {
    FakeGitea gitea = new FakeGitea();
    gitea.server.start(gitea::handle);
    return gitea;
  }

  /** The instance's web address, e.g. {@code http://127.0.0.1:40123}; the API is under /api/v1. */
  public String url() {
    return server.url();
  }

  // ---- Seeding and reading ----

  /** A user whose access token is {@code token}. */
  public synchronized FakeGitea user(String login, String token) {
    loginByToken.put(token, login);
    idByLogin.computeIfAbsent(login, l -> nextId++);
    return this;
  }

  /**
   * The repository {@code owner/name} (made on first use), on which {@code login} has {@code
   * access}.
   */
  public synchronized FakeGitea repo(String fullName, String login, Access access) {
    repoOrNew(fullName).access.put(login.toLowerCase(Locale.ROOT), access);
    return this;
  }

  /** An issue opened by {@code author}; returns its number. */
  public synchronized int issue(String fullName, String title, String author) {
    Repo repo = repoOrNew(fullName);
    int number = repo.issues.size() + 1;
    repo.issues.add(new Issue(number, title, "", author, true, List.of(), List.of()));
    return number;
  }

  /** A label of the repository, e.g. ("o/r", "bug", "ee0701"). */
  public synchronized FakeGitea label(String fullName, String name, String color) {
    repoOrNew(fullName).labels.add(new Label(nextId++, name, color));
    return this;
  }

  /**
   * A label of organisation {@code org}, which issues of its repositories may carry; Gitea lists it
   * under {@code /orgs/{org}/labels}, not with the repository's own.
   */
  public synchronized FakeGitea orgLabel(String org, String name, String color) {
    orgLabels
        .computeIfAbsent(org.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
        .add(new Label(nextId++, name, color));
    return this;
  }

  /** The {@code message} of a 401 (a token it does not know) from now on. */
  public synchronized FakeGitea unauthorizedMessage(String message) {
    unauthorized = message;
    return this;
  }

  /**
   * The next request to {@code method} and a path starting with {@code pathPrefix} is refused with
   * 429 and {@code Retry-After}, as a proxy in front of Gitea (Codeberg's) limits the rate: no
   * body.
   */
  public synchronized FakeGitea rateLimitNext(
      String method, String pathPrefix, Duration retryAfter) {
    limits.add(new Limit(method, pathPrefix, retryAfter));
    return this;
  }

  /**
   * The next request to {@code method} under {@code pathPrefix} is answered 404 with {@link
   * LoopbackServer#NOT_FOUND_PAGE}, not Gitea's JSON error: a proxy before Gitea that does not pass
   * it on.
   */
  public FakeGitea notFoundPageNext(String method, String pathPrefix) {
    pages.plan((m, path) -> m.equals(method) && path.startsWith(pathPrefix));
    return this;
  }

  /**
   * The next request to {@code method} whose path starts with {@code pathPrefix} (as {@link
   * #notFoundPageNext}'s, with {@code /api/v1}) is done, but its answer held until the test
   * releases it: Gitea has, say, deleted a hook while the bot has not heard so yet.
   */
  public HeldAnswers.Held holdNext(String method, String pathPrefix) {
    return holds.plan(method, pathPrefix);
  }

  /** From now on lists are answered whole whatever page is asked, as Gitea before 1.12 did. */
  public synchronized FakeGitea withoutPaging() {
    paging = false;
    return this;
  }

  /** A hook someone added by hand to {@code fullName}, sending to {@code url}. */
  public synchronized FakeGitea hookedTo(String fullName, String url, String secret) {
    repoOrNew(fullName)
        .hooks
        .add(new Hook(nextId++, "gitea", url, "json", secret, List.of("push"), true));
    return this;
  }

  /** Points every hook of {@code fullName} at {@code url}, as its admin does on the hook's page. */
  public synchronized FakeGitea hooksEditedToSendTo(String fullName, String url) {
    repoOrNew(fullName)
        .hooks
        .replaceAll(
            h ->
                new Hook(
                    h.id(), h.type(), url, h.contentType(), h.secret(), h.events(), h.active()));
    return this;
  }

  /** Deletes every hook of {@code fullName}, as its admin does on the hook's page in Gitea. */
  public synchronized FakeGitea hooksDeletedByHand(String fullName) {
    repoOrNew(fullName).hooks.clear();
    return this;
  }

  public synchronized List<Hook> hooks(String fullName) {
    return List.copyOf(repoOrNew(fullName).hooks);
  }

  public synchronized List<Issue> issues(String fullName) {
    return List.copyOf(repoOrNew(fullName).issues);
  }

  public synchronized List<GiteaCall> calls() {
    return List.copyOf(calls);
  }

  /** The calls of {@code method} to exactly {@code path}. */
  public synchronized List<GiteaCall> callsTo(String method, String path) {
    return calls.stream().filter(c -> c.method().equals(method) && c.path().equals(path)).toList();
  }

  private Repo repoOrNew(String fullName) {
    String[] parts = fullName.split("/", 2);
    return repos.computeIfAbsent(
        fullName.toLowerCase(Locale.ROOT), k -> new Repo(nextId++, parts[0], parts[1]));
  }

  // ---- Webhook deliveries ----

  /**
   * Sends {@code body} as event {@code event} to every active hook of the repository, with the
   * headers Gitea puts on a delivery (its signature made with each hook's secret); returns the
   * status codes.
   */
  public List<Integer> deliver(String fullName, String event, byte[] body) {
    List<Integer> statuses = new ArrayList<>();
    for (Hook hook : hooks(fullName)) {
      if (!hook.active()) continue;
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(hook.url()))
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      GiteaPayloads.headers("gitea", event, UUID.randomUUID().toString(), hook.secret(), body)
          .forEach(request::header);
      try {
        statuses.add(
            http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
      } catch (IOException e) {
        statuses.add(0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        statuses.add(0);
      }
    }
    return statuses;
  }

  // ---- The API ----

  private record Answer(int status, @Nullable JsonNode body) {}

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      GiteaCall call =
          new GiteaCall(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              Objects.requireNonNullElse(exchange.getRequestURI().getRawQuery(), ""),
              LoopbackServer.headers(exchange),
              exchange.getRequestBody().readAllBytes());
      if (pages.take(call.method(), call.path())) {
        synchronized (this) {
          calls.add(call);
        }
        NotFoundPages.respond(exchange);
        return;
      }
      Answer answer;
      @Nullable Limit limit;
      HeldAnswers.@Nullable Held held;
      synchronized (this) {
        calls.add(call);
        limit =
            limits.stream()
                .filter(l -> l.method().equals(call.method()))
                .filter(l -> call.path().startsWith(l.pathPrefix()))
                .findFirst()
                .orElse(null);
        if (limit != null) limits.remove(limit);
        answer = limit != null ? new Answer(429, null) : answer(call);
        held = limit != null ? null : holds.take(call.method(), call.path());
      }
      HeldAnswers.hold(held);
      if (limit != null)
        exchange
            .getResponseHeaders()
            .set("Retry-After", String.valueOf(limit.retryAfter().toSeconds()));
      byte[] out =
          answer.body() == null
              ? new byte[0]
              : Json.write(answer.body()).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json;charset=utf-8");
      LoopbackServer.respond(exchange, answer.status(), out);
    }
  }

  private Answer answer(GiteaCall call) {
    Optional<String> login = caller(call);
    if (login.isEmpty()) return error(401, unauthorized);
    if (call.path().equals("/api/v1/user") && call.method().equals("GET"))
      return new Answer(200, bodies.user(login.get(), idOf(login.get())));
    Matcher org = ORG_LABELS.matcher(call.path());
    if (org.matches() && call.method().equals("GET")) {
      List<Label> labels = orgLabels.get(org.group(1).toLowerCase(Locale.ROOT));
      return labels == null
          ? error(404, "GetOrgByName")
          : page(call, labels, l -> bodies.label("orgs/" + org.group(1), l));
    }
    Matcher m = REPO_PATH.matcher(call.path());
    if (!m.matches()) return error(404, "not found");
    Repo repo = repos.get((m.group(1) + "/" + m.group(2)).toLowerCase(Locale.ROOT));
    Access access = repo == null ? null : repo.access.get(login.get().toLowerCase(Locale.ROOT));
    if (repo == null || access == null) return error(404, "The target couldn't be found.");
    String rest = m.group(3) == null ? "" : m.group(3);
    return repoCall(call, repo, access, login.get(), rest);
  }

  private Answer repoCall(GiteaCall call, Repo repo, Access access, String login, String rest) {
    String method = call.method();
    if (rest.isEmpty() && method.equals("GET"))
      return new Answer(200, bodies.repo(repo, access, idOf(repo.owner)));
    if (rest.equals("/hooks") && method.equals("GET")) return listHooks(call, repo, access);
    if (rest.equals("/hooks") && method.equals("POST")) return createHook(call, repo, access);
    if (rest.matches("/hooks/\\d+") && method.equals("GET"))
      return getHook(repo, access, Long.parseLong(rest.substring(7)));
    if (rest.matches("/hooks/\\d+") && method.equals("DELETE"))
      return deleteHook(repo, access, Long.parseLong(rest.substring(7)));
    if (rest.equals("/labels") && method.equals("GET"))
      return page(call, repo.labels, l -> bodies.label("repos/" + repo.fullName(), l));
    if (rest.equals("/issues") && method.equals("POST")) return createIssue(call, repo, login);
    if (rest.matches("/issues/\\d{1,9}") && method.equals("PATCH"))
      return editIssue(call, repo, access, login, Integer.parseInt(rest.substring(8)));
    if (rest.matches("/issues/\\d{1,9}/comments") && method.equals("POST"))
      return comment(call, repo, login, Integer.parseInt(rest.substring(8, rest.lastIndexOf('/'))));
    return error(404, "not found");
  }

  private Answer createHook(GiteaCall call, Repo repo, Access access) {
    if (access != Access.ADMIN)
      return error(
          403, "user should be an owner or a collaborator with admin write of a repository");
    JsonNode body = call.json();
    if (body == null || !body.isObject()) return error(422, "invalid json");
    String type = body.path("type").asText("");
    if (!HOOK_TYPES.contains(type)) return error(422, "Invalid hook type");
    JsonNode config = body.path("config");
    if (!config.path("url").isTextual()) return error(422, "Missing config option: url");
    String contentType = config.path("content_type").asText("");
    if (!contentType.equals("json") && !contentType.equals("form"))
      return error(422, "Invalid content type");
    List<String> events = new ArrayList<>();
    body.path("events").forEach(e -> events.add(e.asText()));
    if (events.isEmpty()) events.add("push");
    Hook hook =
        new Hook(
            nextId++,
            type,
            config.path("url").asText(),
            contentType,
            config.path("secret").asText(""),
            List.copyOf(events),
            body.path("active").asBoolean(false));
    repo.hooks.add(hook);
    return new Answer(201, bodies.hook(hook));
  }

  private Answer listHooks(GiteaCall call, Repo repo, Access access) {
    if (access != Access.ADMIN)
      return error(
          403, "user should be an owner or a collaborator with admin write of a repository");
    return page(call, repo.hooks, bodies::hook);
  }

  private Answer getHook(Repo repo, Access access, long id) {
    if (access != Access.ADMIN)
      return error(
          403, "user should be an owner or a collaborator with admin write of a repository");
    return repo.hooks.stream()
        .filter(h -> h.id() == id)
        .findFirst()
        .map(h -> new Answer(200, bodies.hook(h)))
        .orElseGet(() -> error(404, "The target couldn't be found."));
  }

  private Answer deleteHook(Repo repo, Access access, long id) {
    if (access != Access.ADMIN)
      return error(
          403, "user should be an owner or a collaborator with admin write of a repository");
    boolean removed = repo.hooks.removeIf(h -> h.id() == id);
    return removed ? new Answer(204, null) : error(404, "The target couldn't be found.");
  }

  /** One page of {@code all}, as Gitea pages a list: {@code page} from 1, {@code limit} ≤ 50. */
  private <T> Answer page(
      GiteaCall call, List<T> all, java.util.function.Function<T, JsonNode> body) {
    int page;
    int limit;
    try {
      page = Math.max(1, Integer.parseInt(call.param("page", "1")));
      limit = Integer.parseInt(call.param("limit", Integer.toString(DEFAULT_PAGE)));
    } catch (NumberFormatException e) {
      return error(422, "invalid page or limit");
    }
    limit = limit <= 0 ? DEFAULT_PAGE : Math.min(limit, MAX_PAGE);
    if (!paging) {
      page = 1;
      limit = Integer.MAX_VALUE;
    }
    com.fasterxml.jackson.databind.node.ArrayNode out = Json.MAPPER.createArrayNode();
    all.stream().skip((long) (page - 1) * limit).limit(limit).forEach(t -> out.add(body.apply(t)));
    return new Answer(200, out);
  }

  private Answer createIssue(GiteaCall call, Repo repo, String login) {
    JsonNode body = call.json();
    if (body == null || !body.isObject()) return error(422, "invalid json");
    String title = body.path("title").asText("");
    if (title.isBlank()) return error(422, "[Title]: Required");
    List<String> names = new ArrayList<>();
    for (JsonNode id : body.path("labels")) {
      Optional<Label> label =
          java.util.stream.Stream.concat(
                  repo.labels.stream(),
                  orgLabels.getOrDefault(repo.owner.toLowerCase(Locale.ROOT), List.of()).stream())
              .filter(l -> l.id() == id.asLong())
              .findFirst();
      if (label.isEmpty())
        return error(422, "label does not exist [label_id: " + id.asLong() + "]");
      names.add(label.get().name());
    }
    Issue issue =
        new Issue(
            repo.issues.size() + 1,
            title,
            body.path("body").asText(""),
            login,
            true,
            List.of(),
            List.copyOf(names));
    repo.issues.add(issue);
    return new Answer(201, bodies.issue(repo, issue, idOf(login)));
  }

  private Answer editIssue(GiteaCall call, Repo repo, Access access, String login, int number) {
    if (number < 1 || number > repo.issues.size())
      return error(404, "The target couldn't be found.");
    Issue issue = repo.issues.get(number - 1);
    if (access == Access.READ && !issue.author().equalsIgnoreCase(login))
      return error(403, "Forbidden");
    JsonNode body = call.json();
    if (body == null || !body.isObject()) return error(422, "invalid json");
    boolean open = body.has("state") ? !body.path("state").asText().equals("closed") : issue.open();
    String title = body.path("title").asText(issue.title());
    Issue changed =
        new Issue(
            number, title, issue.body(), issue.author(), open, issue.comments(), issue.labels());
    repo.issues.set(number - 1, changed);
    return new Answer(201, bodies.issue(repo, changed, idOf(issue.author())));
  }

  private Answer comment(GiteaCall call, Repo repo, String login, int number) {
    if (number < 1 || number > repo.issues.size())
      return error(404, "The target couldn't be found.");
    JsonNode body = call.json();
    if (body == null || !body.path("body").isTextual()) return error(422, "[Body]: Required");
    Issue issue = repo.issues.get(number - 1);
    List<String> comments = new ArrayList<>(issue.comments());
    comments.add(body.path("body").asText());
    repo.issues.set(number - 1, issue.with(issue.open(), List.copyOf(comments)));
    ObjectNode out =
        bodies.comment(repo, number, nextId++, body.path("body").asText(), login, idOf(login));
    return new Answer(201, out);
  }

  private Optional<String> caller(GiteaCall call) {
    String auth = call.header("Authorization");
    if (auth == null) return Optional.empty();
    for (String scheme : List.of("token ", "Bearer ")) {
      if (auth.startsWith(scheme))
        return Optional.ofNullable(loginByToken.get(auth.substring(scheme.length())));
    }
    return Optional.empty();
  }

  private long idOf(String login) {
    return idByLogin.computeIfAbsent(login, l -> nextId++);
  }

  private Answer error(int status, String message) {
    return new Answer(status, bodies.error(message));
  }

  @Override
  public void close() {
    server.close();
  }
}
