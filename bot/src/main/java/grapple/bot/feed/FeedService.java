package grapple.bot.feed;

import grapple.bot.AbstractService;
import grapple.bot.ConnectionKind;
import grapple.bot.Metrics;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.provisioning.Caller;
import grapple.bot.rpc.RpcMethod;
import grapple.commands.Command;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * RSS, Atom and JSON Feed subscriptions ({@code feeds}): new items are posted to the room, once
 * each.
 */
public final class FeedService extends AbstractService<FeedSettings> {
  static final String NAME = "feeds";
  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.feed";
  private static final String GET_FEEDS = "get_feeds";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "feeds",
          Set.of("feed"),
          List.of(Feeds.TYPE),
          List.of(EVENT_TYPE),
          List.of(),
          List.of(GET_FEEDS));

  public FeedService() {
    super(INFO, FeedSettings::read, FeedSettings.class);
  }

  @Override
  protected Running run(FeedSettings settings, ServiceContext context) {
    return new Started(settings, context);
  }

  /** Feeds at work: the poller runs (on the leader) until closed. */
  private static final class Started implements Running {
    private final FeedStore store;
    private final FeedPoller poller;
    private final Feeds feeds;
    private final ServiceContext context;

    Started(FeedSettings settings, ServiceContext context) {
      FeedFetcher fetcher = new FeedFetcher(settings);
      this.context = context;
      this.store = new FeedStore(context.database());
      this.poller =
          new FeedPoller(
              settings,
              fetcher,
              store,
              context.outbox(),
              context.clock(),
              context.botRooms()::notIn,
              context.commandPrefix());
      this.feeds = new Feeds(fetcher, store, poller);
    }

    /** Polling runs on the leading instance only: a feed item is posted once. */
    @Override
    public void lead() {
      poller.start();
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(feeds);
    }

    @Override
    public List<Command> commands() {
      return new FeedCommands(feeds, context).commands();
    }

    @Override
    public List<RpcMethod> methods() {
      return List.of(
          new RpcMethod(
              GET_FEEDS,
              "Every feed a room follows, with how its polling is doing",
              List.of(),
              Caller.READ,
              call -> feeds.describe(context.connections(), call.caller().rooms())));
    }

    @Override
    public void measure(Metrics metrics) {
      metrics.gauge(
          "grapple_feeds_failing", "Feed URLs whose last poll failed", store::failingCount);
    }

    @Override
    public Map<String, BooleanSupplier> threads() {
      return Map.of("feed scheduler", poller::ticking);
    }

    @Override
    public void close() {
      poller.close();
    }
  }
}
