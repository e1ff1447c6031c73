package grapple.testing.github;

import com.sun.net.httpserver.HttpExchange;
import grapple.testing.LoopbackServer;
import java.io.IOException;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A local GitHub for tests: an HTTP server on 127.0.0.1 that speaks GitHub's REST API under {@link
 * #apiUrl()} (like GitHub Enterprise, {@code <web>/api/v3}) and the OAuth web flow under {@link
 * #webUrl()}, answers with bodies made from GitHub's published examples and the state a test seeds,
 * and records every request. Thread-safe.
 *
 * <pre>{@code
 * try (FakeGithub github = FakeGithub.start(clock)) {
 *   github.user("alice").token("ghp_alice");
 *   github.repo("octo/hello").permission("alice", "write").workflow("ci.yml", "CI");
 *   github.app(42, key).oauth("Iv1.client", "secret");     // key: GithubAppKey.generate()
 *   github.installation(7, "octo").repos("octo/hello");
 *   // ... point the bot at github.apiUrl() and github.webUrl(), drive it ...
 *   assertThat(github.issues("octo/hello")).extracting(Issue::title).containsExactly("Bug");
 * }
 * }</pre>
 */
public final class FakeGithub implements AutoCloseable {
  public static final String API_PREFIX = "/api/v3";

  /** How long {@link #takeRequest()} and {@link #awaitRequestTo} wait. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

  private final World world;
  private final LoopbackServer server = new LoopbackServer("the fake GitHub", "fake-github");
  private final Routes apiRoutes = new Routes();
  private final Routes webRoutes = new Routes();
  private final CallLog log = new CallLog();
  private final Faults faults = new Faults();
  private final AtomicReference<@Nullable Throwable> failedBefore = new AtomicReference<>();

  private FakeGithub(Clock clock) {
    world = new World(clock);
    Bodies bodies = new Bodies(webUrl() + API_PREFIX, webUrl());
    IssueBodies issueBodies = new IssueBodies(bodies, world);
    new UserEndpoints(world, bodies).register(apiRoutes);
    new RepoEndpoints(world, bodies, issueBodies).register(apiRoutes);
    new IssueEndpoints(world, bodies, issueBodies).register(apiRoutes);
    new AppEndpoints(world, bodies, issueBodies).register(apiRoutes);
    new OAuthEndpoints(world).register(webRoutes);
  }

  /** Starts a fake on a free port that tells the time by the system clock. */
  public static FakeGithub start() {
    return start(Clock.systemUTC());
  }

  /**
   * Starts a fake whose tokens, codes and JWT checks tell the time by {@code clock} (e.g. a
   * FakeClock).
   */
  public static FakeGithub start(Clock clock) {
    GithubCorpus.get(); // fail here, naming the fetch script, rather than on the first request
    FakeGithub github = new FakeGithub(clock);
    github.server.start(github::handle);
    return github;
  }

  /** The REST API base, e.g. {@code http://127.0.0.1:40123/api/v3} (no trailing slash). */
  public String apiUrl() {
    return webUrl() + API_PREFIX;
  }

  /** The web base, e.g. {@code http://127.0.0.1:40123}: html_url links and the OAuth endpoints. */
  public String webUrl() {
    return server.url();
  }

  /** The html_url of issue {@code number} in {@code repo} ({@code owner/name}). */
  public String issueUrl(String repo, int number) {
    return webUrl() + "/" + repo + "/issues/" + number;
  }

  // ---- Seeding ----

  /** The user {@code login}, created on first use with a fresh id. */
  public FakeAccount user(String login) {
    return world.user(login);
  }

  /** The user {@code login} with id {@code id}, e.g. the sender of a webhook example. */
  public FakeAccount user(String login, long id) {
    return world.typed(world.account(login, FakeAccount.USER, id), FakeAccount.USER);
  }

  /** The organization {@code login}, created on first use. */
  public FakeAccount org(String login) {
    return world.org(login);
  }

  public FakeAccount org(String login, long id) {
    return world.typed(
        world.account(login, FakeAccount.ORGANIZATION, id), FakeAccount.ORGANIZATION);
  }

  /**
   * The repository {@code owner/name}, created on first use (a user owns it unless {@link #org}
   * made the owner).
   */
  public FakeRepo repo(String fullName) {
    return world.createRepo(fullName, 0);
  }

  /**
   * The repository {@code owner/name} with id {@code id}, e.g. the repository of a webhook example.
   */
  public FakeRepo repo(String fullName, long id) {
    return world.createRepo(fullName, id);
  }

  /**
   * The GitHub App: app JWTs must name {@code id} (or its client id) and verify with {@code key}.
   */
  public FakeApp app(long id, RSAPublicKey key) {
    return world.app(new FakeApp(world, id, key));
  }

  public FakeApp app(long id, GithubAppKey key) {
    return app(id, key.publicKey());
  }

  /** An installation of the app on {@code account} (a user or organization, created if needed). */
  public FakeInstallation installation(long id, String account) {
    return world.addInstallation(id, world.account(account, FakeAccount.USER));
  }

  /** A classic OAuth app: its codes trade for {@code gho_} tokens that do not expire. */
  public FakeOAuthApp oauthApp(String clientId, String clientSecret) {
    return world.addOAuthApp(new FakeOAuthApp(world, clientId, clientSecret, false));
  }

  /**
   * A code as if {@code login} had approved the only OAuth client; the test hands it to the bot's
   * callback.
   */
  public String authorizeCode(String login) {
    List<FakeOAuthApp> clients = world.oauthApps();
    if (clients.size() != 1) {
      throw new IllegalStateException(
          clients.size()
              + " OAuth clients are seeded: use authorizeCode(login, clientId), "
              + "after fake.app(...).oauth(...) or fake.oauthApp(...)");
    }
    return authorizeCode(login, clients.get(0).clientId);
  }

  public String authorizeCode(String login, String clientId) {
    if (world.oauthApp(clientId) == null)
      throw new IllegalArgumentException("no OAuth client '" + clientId + "' is seeded");
    return OAuthEndpoints.issueCode(world, clientId, world.user(login).login(), null);
  }

  /**
   * Makes {@code GET /login/oauth/authorize} approve at once as {@code login}, redirecting with a
   * code.
   */
  public void signIn(String login) {
    world.signIn(world.user(login).login());
  }

  /** Revokes an access or refresh token: using it then answers 401 Bad credentials. */
  public void expire(String token) {
    if (!world.expire(token))
      throw new IllegalArgumentException("the fake never issued or seeded that token");
  }

  // ---- What it was asked ----

  /** Every request so far, in the order they came. */
  public List<RecordedCall> requests() {
    return log.all();
  }

  /**
   * The requests to {@code method} on paths starting with {@code pathPrefix} (GitHub paths, without
   * /api/v3).
   */
  public List<RecordedCall> requestsTo(String method, String pathPrefix) {
    return log.to(method, pathPrefix);
  }

  /**
   * The oldest request not taken yet, waiting up to {@link #DEFAULT_WAIT} for one; fails if none
   * comes.
   */
  public RecordedCall takeRequest() {
    return log.take(DEFAULT_WAIT);
  }

  public RecordedCall takeRequest(Duration timeout) {
    return log.take(timeout);
  }

  /**
   * The first request to {@code method} and {@code pathPrefix}, waiting up to {@link #DEFAULT_WAIT}
   * for one.
   */
  public RecordedCall awaitRequestTo(String method, String pathPrefix) {
    return log.await(method, pathPrefix, DEFAULT_WAIT);
  }

  /** The issues and pull requests of {@code owner/name}, by number. */
  public List<Issue> issues(String repo) {
    synchronized (world) {
      return List.copyOf(seeded(repo).issues.values());
    }
  }

  public Issue issue(String repo, int number) {
    synchronized (world) {
      Issue issue = seeded(repo).issues.get(number);
      if (issue == null) throw new IllegalArgumentException("no issue #" + number + " in " + repo);
      return issue;
    }
  }

  public List<IssueComment> comments(String repo) {
    synchronized (world) {
      return List.copyOf(seeded(repo).comments);
    }
  }

  public List<WorkflowDispatch> dispatches(String repo) {
    synchronized (world) {
      return List.copyOf(seeded(repo).dispatches);
    }
  }

  // ---- Trouble ----

  /**
   * The next {@code times} requests to {@code method} and {@code pathPrefix} answer {@code status}
   * (e.g. 500, 502).
   */
  public void failNext(String method, String pathPrefix, int times, int status) {
    faults.failNext(method, pathPrefix, times, status);
  }

  /**
   * The next {@code times} requests to {@code method} and {@code pathPrefix} answer {@code status}
   * with {@code json} as the body (a GitHub whose answer lacks what its documentation promises).
   */
  public void answerNext(String method, String pathPrefix, int times, int status, String json) {
    try {
      faults.answerNext(
          method, pathPrefix, times, Answer.json(status, GithubCorpus.JSON.readTree(json)));
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  /**
   * The next {@code times} requests to {@code method} and {@code pathPrefix} answer 404 with {@link
   * LoopbackServer#NOT_FOUND_PAGE}, not GitHub's JSON error: a proxy before GitHub that does not
   * pass them on.
   */
  public void notFoundPageNext(String method, String pathPrefix, int times) {
    faults.answerNext(
        method, pathPrefix, times, Answer.text(404, "text/html", LoopbackServer.NOT_FOUND_PAGE));
  }

  /**
   * The next {@code times} matching requests hit a secondary rate limit: 403 with {@code
   * Retry-After}.
   */
  public void rateLimitNext(String method, String pathPrefix, int times, Duration retryAfter) {
    faults.rateLimitNext(method, pathPrefix, times, retryAfter);
  }

  /**
   * The next {@code times} requests to {@code method} and {@code pathPrefix} are answered only
   * after {@code delay} (a GitHub that is slow or hangs).
   */
  public void stallNext(String method, String pathPrefix, int times, Duration delay) {
    faults.stallNext(method, pathPrefix, times, delay);
  }

  /**
   * {@code action} runs when the next {@code method} request under {@code pathPrefix} has arrived,
   * before it is answered (as GitHub would be answering it): something the bot does meanwhile, e.g.
   * its user logging out while a token refresh is under way. What it throws is answered as a 500
   * and kept for {@link #failureBeforeAnswering}.
   */
  public void beforeNext(String method, String pathPrefix, Runnable action) {
    faults.beforeNext(method, pathPrefix, action);
  }

  /** What an action given to {@link #beforeNext} threw, if any did. */
  public Optional<Throwable> failureBeforeAnswering() {
    return Optional.ofNullable(failedBefore.get());
  }

  @Override
  public void close() {
    server.close();
  }

  // ---- HTTP ----

  private FakeRepo seeded(String repo) {
    FakeRepo found = world.repo(repo);
    if (found == null) throw new IllegalArgumentException("no repository " + repo + " was seeded");
    return found;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      RecordedCall call = Exchanges.read(exchange, API_PREFIX);
      log.add(call);
      Runnable before = faults.before(call);
      if (before != null) {
        try {
          before.run();
        } catch (RuntimeException | AssertionError e) {
          failedBefore.compareAndSet(null, e);
          Exchanges.write(exchange, Answer.error(new ApiFailure(500, "Server Error")));
          return;
        }
      }
      Duration stall = faults.stall(call);
      if (!stall.isZero()) {
        try {
          Thread.sleep(stall.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      Exchanges.write(
          exchange, answer(call, exchange.getRequestURI().getRawPath().startsWith(API_PREFIX)));
    }
  }

  private Answer answer(RecordedCall call, boolean api) {
    Answer fault = faults.next(call);
    if (fault != null) return fault;
    try {
      synchronized (world) {
        if (!api) return webRoutes.dispatch(call, Caller.ANONYMOUS);
        return apiRoutes.dispatch(call, world.caller(call.header("Authorization")));
      }
    } catch (ApiFailure failure) {
      return Answer.error(failure);
    } catch (RuntimeException e) {
      e.printStackTrace(); // a bug in the fake: show it, and answer as GitHub would to one of
      // its own
      return Answer.error(new ApiFailure(500, "fake GitHub failed: " + e));
    }
  }
}
