package grapple.bot.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.LiveConnection;
import grapple.bot.NamedKind;
import grapple.bot.forge.NamedHooks;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.ErrorCode;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The {@code Webhook} connection kind, and the live hooks found by their secret ids. */
final class Hooks extends NamedKind<WebhookConfig> {
  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "Webhook";

  private final WebhookSettings settings;
  private final HookIds hookIds;
  private final Clock clock;

  /**
   * The base of the URLs given out: the settings', with the port the webhook listener bound when
   * the config asks for any free one (port 0) and sets no {@code urlPrefix}.
   */
  private volatile String urlPrefix;

  private final Map<String, Hook> byConnectionId = new ConcurrentHashMap<>();

  /**
   * Hook id → the live hook whose URL carries it, found in one read. A hook that moves to the room
   * that replaced its room (or whose config changes) is opened again before the old one is closed,
   * and takes the id over in one step as it opens: a request finds the one or the other at every
   * moment of the move, never neither. Changed only under this object's lock.
   */
  private final Map<String, Hook> liveByHookId = new ConcurrentHashMap<>();

  private static final int MAX_PENDING_SCRIPTS = 64;

  /** How soon a new hook may expire at the earliest (hookshot's rule). */
  static final Duration MIN_EXPIRY = Duration.ofHours(1);

  private static final Duration EXPIRY_SLACK = Duration.ofSeconds(10);

  private static final String SCRIPTS_OFF =
      "Transformation functions are not allowed: this bot's config has"
          + " generic.allowJsTransformationFunctions off";

  /** Scripts compiled by {@link #parseState}, by source, until {@link #open} takes them. */
  private final Map<String, Transformation.Compiled> compiled = new ConcurrentHashMap<>();

  Hooks(WebhookSettings settings, HookIds hookIds, Clock clock) {
    super(
        TYPE,
        WebhookService.NAME,
        WebhookService.EVENT_TYPE,
        List.of(WebhookService.LEGACY_EVENT_TYPE));
    this.settings = settings;
    this.hookIds = hookIds;
    this.clock = clock;
    this.urlPrefix = settings.urlPrefix();
  }

  /**
   * Told the port the webhook listener bound: with port 0 in the config and no {@code urlPrefix},
   * the default prefix would name port 0, and no URL given out would reach this bot.
   */
  void webhookListenerBound(int port) {
    if (settings.urlPrefix().equals(WebhookSettings.defaultUrlPrefix(0))) {
      urlPrefix = WebhookSettings.defaultUrlPrefix(port);
    }
  }

  /** The expiry warnings sent: a moved hook is not warned twice. */
  @Override
  public List<String> tablesByConnection() {
    return List.of("webhook_expiry_warned");
  }

  /**
   * What hookshot's webhook state is made of, with Grapple's {@code includeHookBody} and {@code
   * allowRoomMentions}: hookshot writes a new hook's state from these fields only.
   */
  private static final Optional<Set<String>> FIELDS =
      Optional.of(
          Set.of(
              "name",
              "transformationFunction",
              "waitForComplete",
              "includeHookBody",
              "expirationDate",
              "allowRoomMentions"));

  @Override
  public Optional<Set<String>> fields() {
    return FIELDS;
  }

  /**
   * For commands and the API: as {@link #parseState}, and a script that does not compile is refused
   * (400, naming {@code transformationFunction}) rather than kept unused, and so is a {@code name}
   * other than the state key (a hook made here is not renamed).
   */
  @Override
  public WebhookConfig parse(String stateKey, ObjectNode content) {
    if (!settings.allowJsTransformationFunctions()
        && WebhookConfig.from(stateKey, content).transformationFunction().isPresent()) {
      // Hookshot's wire: HS_DISABLED_FEATURE, not HS_BAD_VALUE (room state gets the notice below).
      throw new ApiException(ErrorCode.DISABLED_FEATURE, SCRIPTS_OFF);
    }
    WebhookConfig config = parseState(stateKey, content);
    NamedHooks.requireNameIsStateKey(config.name(), stateKey, "the webhook's", "a webhook");
    Optional<Transformation.CompileError> error =
        config.transformationFunction().flatMap(source -> compiled(source).error());
    if (error.isPresent()) throw new BadInput("transformationFunction", error.get().sentence());
    return config;
  }

  /**
   * Reads the content; a script is refused while {@code generic.allowJsTransformationFunctions} is
   * off, and compiled once here. One that does not compile is kept as hookshot keeps it: the hook
   * works without it and the room is told once ({@link Hook#stateNotice}).
   */
  @Override
  public WebhookConfig parseState(String stateKey, ObjectNode content) {
    WebhookConfig config = WebhookConfig.from(stateKey, content);
    if (config.transformationFunction().isPresent()) {
      if (!settings.allowJsTransformationFunctions()) {
        throw new BadInput("transformationFunction", SCRIPTS_OFF);
      }
      if (compiled.size() > MAX_PENDING_SCRIPTS) compiled.clear();
      String source = config.transformationFunction().get();
      compiled.put(source, Transformation.tryCompile(source));
    }
    // A name other than the state key is taken from room state, as hookshot takes it: its widget
    // edits a hook's "Friendly name" in place, under the same state key.
    return config;
  }

  /**
   * A new hook's {@code expirationDate}, from a command or the API, by hookshot's provisioning
   * rules: set when {@code generic.requireExpiryTime} says so, at least an hour ahead (a few
   * seconds' slack for a command's own "1h"), and no further than {@code generic.maxExpiry}. Room
   * state written by hand may hold any date, or none.
   */
  @Override
  public void checkNew(String stateKey, WebhookConfig config) {
    Optional<Instant> expiry = config.expirationDate();
    if (expiry.isEmpty() && settings.requireExpiryTime())
      throw new BadInput(
          "expirationDate", "Expiration date must be set (generic.requireExpiryTime is true)");
    if (expiry.isEmpty()) return;
    Instant now = clock.instant();
    if (expiry.get().isBefore(now.plus(MIN_EXPIRY).minus(EXPIRY_SLACK)))
      throw new BadInput("expirationDate", "Expiration date must at least be a hour in the future");
    requireWithinMax(expiry.get(), now);
  }

  /**
   * A changed hook (a PATCH, from the API) keeps within {@code generic.maxExpiry} too, or the
   * maximum a new hook gets would be one PATCH away from any date. Only the maximum: a change that
   * leaves a hook's date as it was (renaming a hook that expires in ten minutes) is not refused,
   * and an admin may end a hook early.
   */
  @Override
  public void checkChange(String stateKey, WebhookConfig config) {
    config.expirationDate().ifPresent(expiry -> requireWithinMax(expiry, clock.instant()));
  }

  private void requireWithinMax(Instant expiry, Instant now) {
    if (expiry.isAfter(now.plus(settings.maxExpiry())))
      throw new BadInput(
          "expirationDate",
          "Expiration date cannot exceed the configured max expiry time ("
              + Durations.format(settings.maxExpiry())
              + ", generic.maxExpiry)");
  }

  /** The compiled script for {@code source}: the one {@link #parseState} made, or a new one. */
  private Transformation.Compiled compiled(String source) {
    Transformation.Compiled c = compiled.get(source);
    return c != null ? c : Transformation.tryCompile(source);
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    return NamedHooks.stateKeyFor(content);
  }

  @Override
  public LiveConnection open(Connection connection, WebhookConfig config, boolean created) {
    Optional<Transformation.Compiled> script =
        config
            .transformationFunction()
            .map(
                source -> {
                  Transformation.Compiled c = compiled.remove(source);
                  return c != null ? c : Transformation.tryCompile(source);
                });
    Hook hook =
        new Hook(
            connection,
            config,
            script.flatMap(Transformation.Compiled::script),
            script.flatMap(Transformation.Compiled::error));
    Hook previous = byConnectionId.get(connection.id());
    boolean madeAgain =
        previous != null && !previous.connection().created().equals(connection.created());
    // Removed and made again under the same id (by another instance, read here in one reload): the
    // id known in memory is the removed hook's; the new hook's is the one stored.
    if (madeAgain) hookIds.forget(connection.id());
    Optional<String> hookId = hookIds.existing(connection.id());
    synchronized (this) {
      byConnectionId.put(connection.id(), hook);
      hookId.ifPresent(id -> liveByHookId.put(id, hook));
      // The removed hook's URL finds nothing from now on, as it would had it been closed first.
      if (madeAgain) liveByHookId.values().removeIf(h -> h == previous);
    }
    return hook;
  }

  /** Lets {@code hookId} find {@code hook}, unless it was closed or another hook has the id. */
  private synchronized void register(String hookId, Hook hook) {
    if (byConnectionId.get(hook.connection().id()) == hook) liveByHookId.putIfAbsent(hookId, hook);
  }

  /** Every live hook. */
  Collection<Hook> all() {
    return List.copyOf(byConnectionId.values());
  }

  /**
   * The live hook whose URL carries {@code hookId}; an id not known in memory is read from the
   * database (another instance may have made it), so this may wait.
   */
  Optional<Hook> byHookId(String hookId) {
    Hook known = liveByHookId.get(hookId);
    if (known != null) return Optional.of(known);
    Optional<String> connectionId = hookIds.connectionId(hookId);
    if (connectionId.isEmpty()) return Optional.empty();
    Hook hook = byConnectionId.get(connectionId.get());
    if (hook == null) {
      // Read just before the hook's move to an upgraded room was stored, and its old live object
      // is closed by now: the new one took the id over before that.
      return Optional.ofNullable(liveByHookId.get(hookId));
    }
    register(hookId, hook);
    return Optional.of(hook);
  }

  /** As {@link #byHookId}, from memory only: never waits; empty when only the database knows. */
  Optional<Hook> knownByHookId(String hookId) {
    return Optional.ofNullable(liveByHookId.get(hookId));
  }

  /** One webhook at work: its parsed config, its secret URL, what {@code list} says of it. */
  final class Hook implements LiveConnection {
    private final Connection connection;
    private final WebhookConfig config;
    private final Optional<Transformation> script;
    private final Optional<Transformation.CompileError> compileError;

    Hook(
        Connection connection,
        WebhookConfig config,
        Optional<Transformation> script,
        Optional<Transformation.CompileError> compileError) {
      this.connection = connection;
      this.config = config;
      this.script = script;
      this.compileError = compileError;
    }

    /** The compiled {@code transformationFunction}, if it has one. */
    Optional<Transformation> script() {
      return script;
    }

    Connection connection() {
      return connection;
    }

    WebhookConfig config() {
      return config;
    }

    /** The secret URL, its id made and stored the first time it is asked for. */
    String url() {
      return urlPrefix + hookId();
    }

    /** The secret id the URL ends with, made and stored the first time it is asked for. */
    private String hookId() {
      String hookId = hookIds.hookIdFor(connection.id());
      register(hookId, this);
      return hookId;
    }

    @Override
    public String summary() {
      return config
              .expirationDate()
              .map(at -> (config.expired(clock.instant()) ? "expired " : "expires ") + at)
              .orElse("no expiry")
          + (script.isPresent() ? ", with a transformation function" : "")
          + (compileError.isPresent()
              ? ", with a transformation function that does not compile (not run until fixed)"
              : "");
    }

    /** Hookshot's message for a script that does not compile: {@code m.text}, a json block. */
    @Override
    public Optional<ObjectNode> stateNotice() {
      return compileError.map(
          error -> {
            String prefix = "Could not compile transformation function:";
            String json = error.json();
            return Json.object()
                .put("msgtype", "m.text")
                .put("body", prefix + "\n\n```json\n\n" + json + "\n\n```")
                .put("format", "org.matrix.custom.html")
                .put(
                    "formatted_body",
                    "<p>"
                        + prefix
                        + "</p><p><pre><code class=\"language-json\">"
                        + Messages.escapeHtml(json)
                        + "</code></pre></p>");
          });
    }

    @Override
    public Map<String, String> secrets() {
      return Map.of("url", url());
    }

    /**
     * Hookshot's webhook secrets, in its order: {@code url}, the {@code hookId} it ends with (which
     * widgets and scripts written for hookshot read), and {@code timeRemainingMs} until it expires
     * when it has an {@code expirationDate}.
     */
    @Override
    public ObjectNode apiSecrets() {
      String hookId = hookId();
      ObjectNode out = Json.object().put("url", urlPrefix + hookId).put("hookId", hookId);
      config
          .expirationDate()
          .ifPresent(
              at -> out.put("timeRemainingMs", at.toEpochMilli() - clock.instant().toEpochMilli()));
      return out;
    }

    @Override
    public Optional<String> welcome() {
      return Optional.of(Hooks.welcome(connection.stateKey(), connection.roomId(), url()));
    }

    @Override
    public void closed(boolean replaced) {
      if (replaced) return;
      synchronized (Hooks.this) {
        byConnectionId.remove(connection.id(), this);
        liveByHookId.values().removeIf(hook -> hook == this);
      }
      hookIds.forget(connection.id());
    }
  }

  /**
   * The direct message that hands a hook's secret URL to whoever made it; the room is a matrix.to
   * link, as in hookshot's.
   */
  static String welcome(String name, String roomId, String url) {
    return "Webhook "
        + Markdown.code(name)
        + " in "
        + Messages.roomLink(roomId)
        + " is ready. Send to:\n\n"
        + url
        + "\n\nKeep this URL secret: anyone who has it can post to the room.";
  }
}
