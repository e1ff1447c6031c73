package grapple.bot.http;

import grapple.state.Fatal;
import grapple.state.Json;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener (webhooks, provisioning or metrics) on Jetty 12, with {@code /live} and {@code
 * /ready}, a request id per request, an access log line, and errors mapped to a status once, here,
 * in the listener's own error shape. Jetty reads requests without holding a thread while bytes are
 * on their way, so a slow or stalled client costs a socket, not a thread; the head and the body
 * must each arrive within their {@link Limits}, and bodies in memory stay within a budget shared by
 * every listener. A handler may answer later ({@link Router.AsyncHandler}); no thread waits for it
 * meanwhile. A body answered before it was read (413, 503, a refusal on the head) is read to its
 * end and thrown away after the answer, within bounds, so the client reads the answer rather than a
 * reset ({@link Lingering}).
 */
public final class HttpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);

  /** The request line and every header together; larger heads get 431. */
  static final int MAX_HEAD_BYTES = 16 * 1024;

  static final int MAX_HEADERS = 100;
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** How a listener words its own errors (unknown route, wrong method, a handler's crash). */
  public interface ErrorStyle {
    Response error(int status, String message, String requestId);
  }

  /**
   * What a listener is: its name, where it binds, how many requests it works on at once, its error
   * shape, and how its paths appear in logs ({@code logPath} hides secrets such as webhook ids).
   */
  public record Settings(
      String name,
      InetSocketAddress address,
      int threads,
      ErrorStyle errors,
      UnaryOperator<String> logPath) {}

  /** How long a client may take: to send its request head, its body, and between two reads. */
  public record Limits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout) {
    public static final Limits DEFAULT =
        new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30));
  }

  /**
   * What every listener shares: health for /live and /ready, metrics, the memory budget, the time
   * limits.
   */
  public record Shared(Health health, RequestObserver observer, InFlight budget, Limits limits) {}

  /** The listener could not bind: the message names the listener and the address. */
  public static final class CannotBind extends IOException {
    private static final long serialVersionUID = 1L;

    CannotBind(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Settings settings;
  private final Server server;
  private final ServerConnector connector;
  private final SlowHeaders slowHeaders;
  private final Lingering lingering;

  private HttpListener(
      Settings settings,
      Server server,
      ServerConnector connector,
      SlowHeaders slowHeaders,
      Lingering lingering) {
    this.settings = settings;
    this.server = server;
    this.connector = connector;
    this.slowHeaders = slowHeaders;
    this.lingering = lingering;
  }

  /** Binds and starts serving {@code router}. */
  public static HttpListener start(Settings settings, Router router, Shared shared)
      throws IOException {
    Answers.Pool threads = new Answers.Pool(settings.threads() + 2, 2, 60_000);
    threads.setName(settings.name() + "-http");
    threads.setDaemon(true);
    threads.setReservedThreads(0);
    Server server = new Server(threads);
    ScheduledExecutorScheduler scheduler =
        new ScheduledExecutorScheduler(settings.name() + "-timer", true);
    Limits limits = shared.limits();
    ServerConnector connector =
        new ServerConnector(
            server,
            null,
            scheduler,
            null,
            1,
            1,
            new HttpConnectionFactory(httpConfiguration(limits)));
    connector.setHost(settings.address().getHostString());
    connector.setPort(settings.address().getPort());
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(1024);
    SlowHeaders slowHeaders = new SlowHeaders(settings.name(), limits.headerTimeout(), scheduler);
    connector.addEventListener(slowHeaders);
    server.addConnector(connector);
    Lingering lingering = new Lingering(scheduler, limits.bodyTimeout());
    Exchange.Context context =
        new Exchange.Context(
            settings,
            shared.observer(),
            LoggerFactory.getLogger("access." + settings.name()),
            lingering);
    server.setHandler(
        new GracefulHandler(
            new Dispatch(context, router, shared, scheduler, threads, new Answers(threads))));
    server.setErrorHandler(new JsonErrors(settings, router.crossOrigin(), shared.observer()));
    server.setStopTimeout(STOP_TIMEOUT.toMillis());
    HttpListener listener = new HttpListener(settings, server, connector, slowHeaders, lingering);
    listener.bind();
    slowHeaders.start();
    log.info(
        "{} listener on http://{}:{}",
        settings.name(),
        settings.address().getHostString(),
        listener.port());
    return listener;
  }

  private static HttpConfiguration httpConfiguration(Limits limits) {
    HttpConfiguration config = new HttpConfiguration();
    config.setRequestHeaderSize(MAX_HEAD_BYTES);
    config.setSendServerVersion(false);
    config.setSendDateHeader(false);
    config.setIdleTimeout(limits.idleTimeout().toMillis());
    // Paths are routed as sent and each parameter decoded on its own (an encoded '/' or '%' in a
    // room id is data, not structure), so Jetty need not refuse such paths as ambiguous.
    config.setUriCompliance(UriCompliance.LEGACY);
    return config;
  }

  private void bind() throws IOException {
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly();
      Throwable cause =
          e instanceof IOException && e.getCause() instanceof BindException ? e.getCause() : e;
      String address = settings.address().getHostString() + ":" + settings.address().getPort();
      throw new CannotBind(
          "the "
              + settings.name()
              + " listener cannot listen on "
              + address
              + ": "
              + (cause.getMessage() == null ? cause.toString() : cause.getMessage()),
          e);
    }
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** The listener's name in logs and metrics ({@code webhooks}, {@code provisioning}, ...). */
  public String name() {
    return settings.name();
  }

  /**
   * Stops accepting, lets in-flight requests finish (up to five seconds), then stops. The rest of a
   * refused body is not waited for: those connections close now.
   */
  @Override
  public void close() {
    slowHeaders.stop();
    lingering.stop();
    stopQuietly();
    log.info("{} listener stopped", settings.name());
  }

  private void stopQuietly() {
    try {
      server.stop();
    } catch (Exception e) {
      // Stopping at shutdown: the sockets are released either way; nothing else to do.
      log.debug("{} listener: stop: {}", settings.name(), e.toString());
    }
  }

  /** 8 hex digits: enough to find one request in a log; not a secret, so no SecureRandom. */
  static String newRequestId() {
    String hex = Integer.toHexString(ThreadLocalRandom.current().nextInt());
    return "00000000".substring(hex.length()) + hex;
  }

  /** Routes each request, reads its body as it arrives, runs the handler and writes the answer. */
  private static final class Dispatch extends Handler.Abstract {
    private final Exchange.Context context;
    private final Settings settings;
    private final Router router;
    private final Shared shared;
    private final ScheduledExecutorScheduler scheduler;
    private final Executor threads;
    private final Answers answers;

    Dispatch(
        Exchange.Context context,
        Router router,
        Shared shared,
        ScheduledExecutorScheduler scheduler,
        Executor threads,
        Answers answers) {
      this.context = context;
      this.settings = context.settings();
      this.router = router;
      this.shared = shared;
      this.scheduler = scheduler;
      this.threads = threads;
      this.answers = answers;
    }

    @Override
    public boolean handle(
        org.eclipse.jetty.server.Request request,
        org.eclipse.jetty.server.Response response,
        Callback callback) {
      Answers.handling();
      Exchange exchange = new Exchange(context, request, response, callback);
      try {
        dispatch(exchange, request);
      } catch (Throwable e) {
        Fatal.haltIfFatal(e);
        exchange.answer(exchange.crashed(e));
      }
      return true;
    }

    private void dispatch(Exchange exchange, org.eclipse.jetty.server.Request request) {
      String method = request.getMethod();
      String path = exchange.path();
      // Before any answer, even the early errors: a browser's script cannot read an answer
      // without these headers, and would see an opaque failure instead of the JSON error.
      boolean crossOrigin =
          router.crossOrigin() && request.getHeaders().contains(HttpHeader.ORIGIN);
      if (crossOrigin) exchange.crossOrigin();
      if (request.getHeaders().size() > MAX_HEADERS) {
        exchange.answerAndClose(
            settings
                .errors()
                .error(
                    431, "Too many headers (at most " + MAX_HEADERS + ")", exchange.requestId()));
        return;
      }
      String coding = unsupportedTransferCoding(request);
      if (coding != null) {
        exchange.answerAndClose(
            settings
                .errors()
                .error(
                    501,
                    "Transfer-Encoding "
                        + coding
                        + " is not supported; send the body as is or chunked",
                    exchange.requestId()));
        return;
      }
      if (crossOrigin
          && method.equals("OPTIONS")
          && request.getHeaders().contains(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD)) {
        exchange.answer(preflight(request));
        return;
      }
      // HEAD as GET without the body: load balancers and probers may ask either way. Probes are
      // not counted as requests (they would drown the traffic in the request metrics).
      boolean probing = method.equals("GET") || method.equals("HEAD");
      if (probing && path.equals("/live")) {
        exchange.probe();
        exchange.answer(live());
        return;
      }
      if (probing && path.equals("/ready")) {
        exchange.probe();
        exchange.answer(ready());
        return;
      }
      Router.Match match;
      try {
        match = router.match(method, path);
      } catch (Request.Malformed e) {
        exchange.answer(settings.errors().error(400, e.getMessage(), exchange.requestId()));
        return;
      }
      if (match.route().isEmpty()) {
        exchange.answer(notRouted(match, exchange.requestId()));
        return;
      }
      new Intake(exchange, request, match, this).begin();
    }

    /**
     * The first transfer coding other than {@code chunked}, or null. Jetty takes the chunks off but
     * leaves any other coding ({@code gzip, chunked}) on the bytes, so a handler would read the
     * compressed bytes as the body; RFC 9112 §6.1 answers such a request 501.
     */
    private static @Nullable String unsupportedTransferCoding(
        org.eclipse.jetty.server.Request request) {
      for (String coding : request.getHeaders().getCSV(HttpHeader.TRANSFER_ENCODING, false)) {
        String name = coding.trim();
        if (!name.equalsIgnoreCase("chunked")) return name;
      }
      return null;
    }

    /**
     * A browser's question before a cross-origin call with a token ({@code Authorization}) or a
     * JSON body: every method the API has, and the headers it asked to send (as Express's {@code
     * cors()} answers it), for a day.
     */
    private static Response preflight(org.eclipse.jetty.server.Request request) {
      Response answer =
          new Response(204, "application/json", new byte[0], Map.of())
              .withHeader("Access-Control-Allow-Methods", "GET, HEAD, PUT, PATCH, POST, DELETE")
              .withHeader("Access-Control-Max-Age", "86400");
      String asked = request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS);
      return asked == null || asked.isBlank()
          ? answer
          : answer.withHeader("Access-Control-Allow-Headers", asked);
    }

    private Response live() {
      return shared
          .health()
          .failure()
          .map(why -> Response.error(503, "Not live: " + why))
          .orElse(Response.ok(200));
    }

    private Response ready() {
      if (shared.health().failure().isPresent()) return live();
      if (!shared.health().ready())
        return Response.error(503, "Not ready: " + shared.health().notReadyBecause());
      return Response.json(
          200, Json.object().put("ok", true).put("leader", shared.health().leading()));
    }

    private Response notRouted(Router.Match match, String requestId) {
      if (match.allowed().isEmpty()) return settings.errors().error(404, "Not found", requestId);
      String allowed = String.join(", ", match.allowed());
      return settings
          .errors()
          .error(405, "Method not allowed; use " + allowed, requestId)
          .withHeader("Allow", allowed);
    }
  }

  /** Reads a routed request's body within the limits, then runs its handler. */
  private static final class Intake implements BodyReader.Outcome {
    private final Exchange exchange;
    private final org.eclipse.jetty.server.Request request;
    private final Router.Match match;
    private final InFlight budget;
    private final Duration bodyTimeout;
    private final ScheduledExecutorScheduler scheduler;
    private final Executor threads;
    private final Answers answers;
    private @Nullable BodyReader reader;

    Intake(
        Exchange exchange,
        org.eclipse.jetty.server.Request request,
        Router.Match match,
        Dispatch dispatch) {
      this.exchange = exchange;
      this.request = request;
      this.match = match;
      this.budget = dispatch.shared.budget();
      this.bodyTimeout = dispatch.shared.limits().bodyTimeout();
      this.scheduler = dispatch.scheduler;
      this.threads = dispatch.threads;
      this.answers = dispatch.answers;
    }

    void begin() {
      Router.LaterGate gate = match.route().orElseThrow().gate();
      if (gate == Router.LaterGate.OPEN) {
        take();
        return;
      }
      CompletableFuture<Optional<Response>> verdict;
      try {
        verdict = gate.refuse(request(Request.Body.UNREAD));
      } catch (Throwable e) {
        Fatal.haltIfFatal(e);
        verdict = CompletableFuture.failedFuture(e);
      }
      if (verdict.isDone()) {
        verdict.whenComplete(this::gated);
        return;
      }
      // Decided on another thread (a database read): the body is read, and the handler run, on one
      // of the listener's own, as if the request had just come in.
      verdict.whenComplete((refused, failure) -> later(() -> gated(refused, failure)));
    }

    private void later(Runnable work) {
      try {
        threads.execute(work);
      } catch (RejectedExecutionException e) {
        work.run(); // Stopping: answered here rather than never.
      }
    }

    /**
     * After the route's {@link Router.LaterGate} ruled, before any of the body is read: a refusal
     * (or the gate's failure) is the answer, and the body is never read; else the body is read.
     * {@code refused} is not looked at when the gate failed.
     */
    private void gated(Optional<Response> refused, @Nullable Throwable failure) {
      Response answer;
      if (failure == null) {
        if (refused.isEmpty()) {
          take();
          return;
        }
        answer = refused.get();
      } else {
        Throwable cause =
            failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        answer =
            cause instanceof Request.Malformed malformed
                ? exchange.style().error(400, malformed.getMessage(), exchange.requestId())
                : exchange.crashed(cause);
      }
      // The body was not read: the connection cannot carry another request after it.
      if (exchange.hasBody()) exchange.closeAfterAnswer();
      exchange.answer(answer);
    }

    /** Reads the body within the route's limit and the budget, then runs the handler. */
    private void take() {
      long limit = match.route().orElseThrow().maxBodyBytes();
      long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
      boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
      if (declared <= 0 && !chunked) {
        run(Request.Body.EMPTY, () -> {});
        return;
      }
      if (declared > limit) {
        exchange.closeAfterAnswer();
        run(Request.Body.tooLarge(limit), () -> {});
        return;
      }
      reader = new BodyReader(request, chunked ? -1 : declared, limit, budget, this);
      if (!reader.reserve()) {
        busy();
        return;
      }
      reader.start(scheduler, bodyTimeout.toMillis());
    }

    /** The request as a handler (or a gate) sees it, with {@code body}. */
    private Request request(Request.Body body) {
      Request r =
          new Request(
              request.getMethod(),
              exchange.path(),
              match.params(),
              Objects.requireNonNullElse(request.getHttpURI().getQuery(), ""),
              request.getHeaders(),
              exchange.requestId(),
              body);
      if (match.strictQuery()) r.query(); // a malformed %-escape is a 400 before the handler
      return r;
    }

    @Override
    public void read(byte[] body) {
      exchange.bodyRead();
      run(new Request.Body(body, match.route().orElseThrow().maxBodyBytes()), this::release);
    }

    @Override
    public void tooLarge() {
      release();
      exchange.closeAfterAnswer();
      run(Request.Body.tooLarge(match.route().orElseThrow().maxBodyBytes()), () -> {});
    }

    @Override
    public void busy() {
      release();
      exchange.answerAndClose(
          exchange
              .style()
              .error(
                  503,
                  "Too much data in flight right now; nothing was accepted."
                      + " Try again shortly.",
                  exchange.requestId())
              .withHeader("Retry-After", "1"));
    }

    @Override
    public void timedOut() {
      release();
      exchange.closeAtOnceAfterAnswer();
      exchange.answer(
          exchange
              .style()
              .error(
                  408,
                  "The request body did not arrive within " + bodyTimeout.toSeconds() + " s",
                  exchange.requestId()));
    }

    @Override
    public void failed(Throwable failure) {
      release();
      exchange.abandon(failure);
    }

    /** Gives back what the reader reserved (it exists: it is what reports these outcomes). */
    private void release() {
      if (reader != null) reader.release();
    }

    /**
     * Runs the handler, then {@code after}. A handler that may wait is not run by a thread that is
     * answering a burst (its other connections would wait with it): it goes to another thread.
     */
    private void run(Request.Body body, Runnable after) {
      if (match.route().orElseThrow().waits() && Answers.answering())
        threads.execute(() -> handle(body, after));
      else handle(body, after);
    }

    /**
     * Runs the handler and {@code after} (which gives the body's budget back) before the answer can
     * go out, so a client that posts again once answered finds the budget free; what the handler
     * throws is answered as a crash, here, once.
     */
    private void handle(Request.Body body, Runnable after) {
      CompletableFuture<Response> pending;
      try {
        pending = match.route().orElseThrow().handler().handle(request(body));
      } catch (Request.Malformed e) {
        pending =
            CompletableFuture.completedFuture(
                exchange.style().error(400, e.getMessage(), exchange.requestId()));
      } catch (Throwable e) {
        Fatal.haltIfFatal(e);
        pending = CompletableFuture.failedFuture(e);
      } finally {
        after.run();
      }
      exchange.answerWhenDone(pending, answers);
    }
  }
}
