package grapple.bot.http;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
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
            new Dispatch(
                context,
                router,
                shared.health(),
                new Handling.Setup(
                    shared.budget(),
                    limits.bodyTimeout(),
                    scheduler,
                    threads,
                    new Answers(threads)))));
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
}
