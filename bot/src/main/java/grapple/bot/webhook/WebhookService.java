package grapple.bot.webhook;

import grapple.bot.AbstractService;
import grapple.bot.ConnectionKind;
import grapple.bot.Routes;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.room.RoomGateway;
import grapple.commands.Command;
import grapple.state.ConnectionStore;
import grapple.state.Daemons;
import grapple.state.Migration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Inbound webhooks ({@code generic}): a secret URL per hook, whose POSTs become messages in the
 * room.
 */
public final class WebhookService extends AbstractService<WebhookSettings> {
  private static final int LOOKUP_THREADS = 2;
  private static final int UPLOAD_THREADS = 2;

  static final String NAME = "generic";
  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  static final String LEGACY_EVENT_TYPE = "uk.half-shot.matrix-github.generic.hook";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "webhooks",
          Set.of("webhook", "webhooks"),
          List.of(Hooks.TYPE),
          List.of(EVENT_TYPE, LEGACY_EVENT_TYPE),
          List.of());

  public WebhookService() {
    super(INFO, WebhookSettings::read, WebhookSettings.class);
  }

  /**
   * Whatever follows {@code /webhook/} is a hook's secret id (even after an empty segment, and
   * behind a prefix a proxy did not strip, which is answered 404 but carries a live id).
   */
  @Override
  public String maskPath(String path) {
    int at = path.toLowerCase(Locale.ROOT).indexOf("/webhook/");
    if (at >= 0) return path.substring(0, at + "/webhook/".length()) + "***";
    // A mistyped path (/hooks/<id>, /Webhook%2F<id>) is answered 404 but may carry a live id: a
    // segment shaped as one (a long run of base64url characters) is masked wherever it is.
    path = ID_SHAPED.matcher(path).replaceAll("***");
    // The legacy root path: /<hookId> (a path of one segment other than the health checks), with
    // or without the one trailing slash the router ignores (/<hookId>/ reaches the hook too).
    String bare = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    boolean oneSegment = bare.startsWith("/") && bare.indexOf('/', 1) < 0 && bare.length() > 1;
    return oneSegment && !HEALTH_PATHS.contains(bare) ? "/***" : path;
  }

  /** Hook ids are 32 base64url characters; no route of any service has a segment this long. */
  private static final Pattern ID_SHAPED = Pattern.compile("[A-Za-z0-9_-]{20,}");

  /** The webhook listener's own paths of one segment, which carry no secret. */
  private static final Set<String> HEALTH_PATHS = Set.of("/live", "/ready");

  /**
   * Where hooks are served: {@code /webhook/<hookId>}, and {@code /<hookId>}, the path hookshot
   * served before {@code /webhook} and still serves, so a proxy that forwards a hookshot-era URL
   * prefix to the listener's root keeps working.
   */
  static final List<String> HOOK_PATHS = List.of("/webhook/{hookId}", "/{hookId}");

  @Override
  public List<Migration> migrations() {
    return List.of(ExpiryNotices.migration(1));
  }

  @Override
  protected Running run(WebhookSettings settings, ServiceContext context) {
    return new Started(settings, context);
  }

  /** The webhook service at work: its kind, commands and receiver. */
  private static final class Started implements Running {
    private final WebhookSettings settings;
    private final ServiceContext context;
    private final Hooks hooks;

    /** The receiver, once its routes are added. */
    private volatile @Nullable WebhookReceiver receiver;

    /**
     * Where scripts run, one a core, so HTTP threads never wait on one; the receiver queues the
     * bodies itself, hook by hook ({@link ScriptTurns}), and runs as many at once as there are
     * threads.
     */
    private final ThreadPoolExecutor scripts =
        Daemons.bounded(
            WebhookReceiver.SCRIPT_THREADS, WebhookReceiver.SCRIPT_THREADS, "webhook-script");

    /**
     * Where hook ids not known in memory are looked up in the database: threads and a bounded queue
     * of their own (a flood is refused with 503), so made-up ids never hold up a real hook's
     * script.
     */
    private final ThreadPoolExecutor lookups =
        Daemons.bounded(LOOKUP_THREADS, 256, "webhook-lookup");

    /**
     * Where files are uploaded to the homeserver's media repository: threads and a bounded queue of
     * their own (over it, 503), so a slow homeserver holds up no script.
     */
    private final ThreadPoolExecutor uploads =
        Daemons.bounded(UPLOAD_THREADS, 64, "webhook-upload");

    Started(WebhookSettings settings, ServiceContext context) {
      this.settings = settings;
      this.context = context;
      this.hooks =
          new Hooks(
              settings, new HookIds(new ConnectionStore(context.database())), context.clock());
    }

    /** Checks for hooks to warn of their expiry, on the leader, with sendExpiryNotice. */
    private final ScheduledExecutorService expiry =
        Executors.newSingleThreadScheduledExecutor(Daemons.named("webhook-expiry"));

    @Override
    public void lead() {
      if (!settings.sendExpiryNotice()) return;
      ExpiryNotices notices =
          new ExpiryNotices(hooks, context.outbox(), context.database(), context.clock());
      long every = ExpiryNotices.CHECK_EVERY.toSeconds();
      grapple.bot.Loops checks =
          grapple.bot.Loops.scheduled(
              LoggerFactory.getLogger(ExpiryNotices.class),
              "webhooks: checking for expiring hooks");
      expiry.scheduleWithFixedDelay(() -> checks.run(notices::check), 60, every, TimeUnit.SECONDS);
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(hooks);
    }

    @Override
    public void webhookListenerBound(int port) {
      hooks.webhookListenerBound(port);
    }

    @Override
    public List<Command> commands() {
      return new WebhookCommands(hooks, settings, context).commands();
    }

    @Override
    public void routes(Routes routes) {
      WebhookReceiver.Lookup lookup =
          new WebhookReceiver.Lookup(
              hooks::knownByHookId, hooks::byHookId, context.botRooms()::notIn);
      RoomGateway media = context.gateway();
      receiver =
          new WebhookReceiver(
              settings,
              lookup,
              context.outbox(),
              context.clock(),
              WebhookReceiver.WAIT_FOR_COMPLETE,
              new WebhookReceiver.Threads(scripts, lookups, uploads),
              media == null || !media.hasMediaRepository() ? null : media::upload);
      long limit = settings.payloadSizeLimitBytes();
      for (String path : HOOK_PATHS) {
        routes
            .webhooks()
            .addNonBlocking("POST", path, limit, receiver::beforeBody, receiver::receive);
        routes
            .webhooks()
            .addNonBlocking("PUT", path, limit, receiver::beforeBody, receiver::receive);
        if (settings.enableHttpGet()) {
          // A GET posts the query as a message: a HEAD (a probe) must post nothing.
          routes
              .webhooks()
              .addNonBlocking("GET", path, limit, receiver::beforeBody, receiver::receive)
              .refuseHead(path)
              .readsRawQuery(path);
        }
      }
    }

    @Override
    public void stopping() {
      WebhookReceiver serving = receiver;
      if (serving != null) serving.stopWaiting();
    }

    @Override
    public void close() {
      scripts.shutdownNow();
      lookups.shutdownNow();
      uploads.shutdownNow();
      expiry.shutdownNow();
    }
  }
}
