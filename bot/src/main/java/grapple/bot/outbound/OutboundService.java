package grapple.bot.outbound;

import grapple.bot.AbstractService;
import grapple.bot.ConnectionKind;
import grapple.bot.Metrics;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.room.Media;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomGateway;
import grapple.commands.Command;
import grapple.commands.Markdown;
import grapple.state.ConnectionStore;
import grapple.state.Migration;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Outbound webhooks ({@code genericOutbound}, config section {@code outbound}): every event of a
 * room, queued with the sync position, sent to a URL as hookshot sends it, signed, in order, and
 * retried until the target takes it or {@code maxAttempts} is reached.
 */
public final class OutboundService extends AbstractService<OutboundSettings> {
  static final String NAME = "genericOutbound";
  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.outbound-hook";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "outbound webhooks",
          Set.of("outbound", "outbound-hook"),
          List.of(OutboundHooks.TYPE),
          List.of(EVENT_TYPE),
          List.of(),
          List.of(),
          "outbound");

  public OutboundService() {
    super(INFO, OutboundSettings::read, OutboundSettings.class);
  }

  @Override
  public List<Migration> migrations() {
    return OutboundQueue.migrations();
  }

  @Override
  protected Running run(OutboundSettings settings, ServiceContext context) {
    return new Started(settings, context);
  }

  /** The service at work: its kind, commands, sender and metrics. */
  static final class Started implements Running {
    private final ServiceContext context;
    private final OutboundHooks hooks;
    private final OutboundQueue queue;
    private final OutboundSender sender;

    Started(OutboundSettings settings, ServiceContext context) {
      this.context = context;
      this.queue = new OutboundQueue(context.database());
      OutboundSender[] holder = new OutboundSender[1];
      this.hooks =
          new OutboundHooks(
              settings,
              new ConnectionStore(context.database()),
              context.secrets(),
              queue,
              context.clock(),
              () -> {
                if (holder[0] != null) holder[0].wake();
              },
              new OutboundHooks.Refusals() {
                @Override
                public void queueFull(String roomId, String name, String eventId, int waiting) {
                  reportRefused(roomId, name, eventId, waiting);
                }

                @Override
                public void dropped(String roomId, String name, int queued) {
                  reportDropped(roomId, name, queued);
                }
              });
      RoomGateway gateway = context.gateway();
      OutboundRequest.MediaSource media =
          new OutboundRequest.MediaSource() {
            @Override
            public Media download(String mxc, long max, Duration timeout) throws IOException {
              if (gateway == null) throw new IOException("no homeserver to fetch " + mxc + " from");
              return gateway.download(mxc, max, timeout);
            }

            @Override
            public void cancelCallsOf(Thread thread) {
              if (gateway != null) gateway.cancelCallsOf(thread);
            }
          };
      this.sender =
          new OutboundSender(
              queue,
              entry -> hooks.target(context.connections(), entry),
              new OutboundRequest(settings, media, context.clock()),
              settings,
              context.clock(),
              new SecureRandom(),
              this::report);
      holder[0] = sender;
    }

    /** Once per streak of failures: the room hears that its hook's deliveries fail. */
    private void report(
        String roomId, String name, OutboundQueue.Entry entry, int attempts, String error) {
      tell(
          roomId,
          name,
          "deliver event "
              + Markdown.code(entry.eventId())
              + " after "
              + attempts
              + (attempts == 1 ? " attempt: " : " attempts: ")
              + Markdown.escape(error)
              + ".");
    }

    /** Once per streak of failures: the room hears that its hook's queue is full. */
    private void reportRefused(String roomId, String name, String eventId, int waiting) {
      tell(
          roomId,
          name,
          "queue event "
              + Markdown.code(eventId)
              + ": "
              + waiting
              + " deliveries are already waiting for it (`outbound.maxQueuedPerHook`), its target"
              + " has taken none for a while.");
    }

    /** Once: a removed hook's deliveries still queued are not sent. */
    private void reportDropped(String roomId, String name, int queued) {
      say(
          roomId,
          name,
          " was removed with "
              + queued
              + (queued == 1
                  ? " event still queued for it; it was dropped, not sent."
                  : " events still queued for it; they were dropped, not sent."));
    }

    /**
     * The notice that starts a failure streak: the hook could not {@code what}. It names the list
     * command with its prefix, since the room must type one (a bare {@code outbound-hook list} is
     * no command there).
     */
    private void tell(String roomId, String name, String what) {
      say(
          roomId,
          name,
          " could not "
              + what
              + " Later failures are not reported here until a delivery succeeds; "
              + Markdown.code(context.commandPrefix() + " outbound-hook list")
              + " shows them.");
    }

    /** Posts "Outbound hook `name`" and {@code rest} as a notice in the room. */
    private void say(String roomId, String name, String rest) {
      context.outbox().post(roomId, Messages.notice("Outbound hook " + Markdown.code(name) + rest));
    }

    OutboundSender sender() {
      return sender;
    }

    OutboundHooks hooks() {
      return hooks;
    }

    OutboundQueue queue() {
      return queue;
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(hooks);
    }

    /** Every room event goes out, not only messages: reactions, redactions, stickers, state. */
    @Override
    public List<String> roomEventTypes() {
      return List.of("*");
    }

    @Override
    public List<Command> commands() {
      return new OutboundCommands(hooks, context).commands();
    }

    @Override
    public void measure(Metrics metrics) {
      metrics.gauge(
          "grapple_outbound_backlog", "Outbound webhook deliveries waiting", queue::backlog);
      metrics.counter(
          "grapple_outbound_delivered",
          "Outbound webhook deliveries the target took since start",
          sender::deliveredCount);
      metrics.counter(
          "grapple_outbound_failed",
          "Outbound webhook deliveries that failed for good since start (with events not queued,"
              + " their hook's queue full)",
          () -> sender.failedCount() + hooks.refusedCount());
      metrics.counter(
          "grapple_outbound_retried",
          "Outbound webhook attempts that failed and were tried again since start",
          sender::retriedCount);
    }

    @Override
    public void lead() {
      sender.start();
    }

    @Override
    public Map<String, BooleanSupplier> threads() {
      return Map.of("outbound sender", sender::alive);
    }

    @Override
    public void close() {
      sender.close();
    }
  }
}
