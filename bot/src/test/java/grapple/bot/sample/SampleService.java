package grapple.bot.sample;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.AbstractService;
import grapple.bot.Active;
import grapple.bot.Changes;
import grapple.bot.ConnectionKind;
import grapple.bot.LiveConnection;
import grapple.bot.NamedKind;
import grapple.bot.Routes;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.http.Response;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.commands.Command;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import grapple.state.Migration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A service that exists only in tests, to show what adding one takes: this package and one line in
 * the list of services. It has a config section ({@code sample: {greeting}}), a table of its own, a
 * connection kind ({@code Sample}, state {@code org.example.sample}, key = a name), a command
 * ({@code sample <name>}), a per-connection prefix ({@code !<name> ping}), a receiver ({@code POST
 * /sample/<name>}) and an API route ({@code GET /v1/sample/greeting}).
 */
public final class SampleService extends AbstractService<SampleService.Settings> {
  static final String EVENT_TYPE = "org.example.sample";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          "sample",
          "samples",
          Set.of("samples"),
          List.of("Sample"),
          List.of(EVENT_TYPE),
          List.of("/greeting"));

  /** The {@code sample} section. */
  record Settings(boolean enabled, String greeting) implements ServiceSettings {
    static Settings read(Section s, Config config) {
      boolean enabled = s.bool("enabled", true);
      String greeting = s.string("greeting", "hello");
      s.finish();
      return new Settings(enabled, greeting);
    }
  }

  /** A sample connection's config: its name. */
  record SampleConfig(String name) {}

  public SampleService() {
    super(INFO, Settings::read, Settings.class);
  }

  @Override
  public List<Migration> migrations() {
    return List.of(
        new Migration(
            1, // a service numbers its own steps; the database records them under its name
            "sample pings",
            "CREATE TABLE sample_pings (name TEXT NOT NULL, at INTEGER NOT NULL)"));
  }

  @Override
  protected Running run(Settings settings, ServiceContext context) {
    return new Started(settings, context);
  }

  private static final class Started implements Running {
    private final Settings settings;
    private final ServiceContext context;
    private final Kind kind = new Kind();

    Started(Settings settings, ServiceContext context) {
      this.settings = settings;
      this.context = context;
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(kind);
    }

    @Override
    public List<Command> commands() {
      return List.of(
          new Command(
              "sample",
              "<name>",
              "Create a sample connection",
              "sample",
              PermissionLevel.MANAGE_CONNECTIONS,
              call -> {
                String name = call.arg(0, "name");
                try {
                  context
                      .changes()
                      .create(
                          call.roomId(),
                          kind,
                          name,
                          Json.object().put("name", name),
                          Changes.Actor.user(call.sender()));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                return Reply.text("Sample %s created.", Markdown.code(name));
              }));
    }

    @Override
    public void routes(Routes routes) {
      routes
          .webhooks()
          .addAsync(
              "POST",
              "/sample/{name}",
              1024,
              request -> {
                String name = request.pathParam("name");
                Optional<Active> target =
                    context.connections().ofKind(kind).stream()
                        .filter(a -> a.stateKey().equals(name))
                        .findFirst();
                if (target.isEmpty())
                  return CompletableFuture.completedFuture(
                      Response.error(404, "no sample " + name));
                String text = new String(request.body(), StandardCharsets.UTF_8);
                return context
                    .outbox()
                    .post(target.get().roomId(), Messages.notice(settings.greeting() + ": " + text))
                    .queued()
                    .thenApply(ignored -> Response.ok(202));
              });
      routes.api(
          "GET",
          "/greeting",
          (request, caller) ->
              Response.json(200, Json.object().put("greeting", settings.greeting())));
    }

    /** The {@code Sample} kind. */
    private final class Kind extends NamedKind<SampleConfig> {
      Kind() {
        super("Sample", "sample", EVENT_TYPE, List.of());
      }

      @Override
      public SampleConfig parse(String stateKey, ObjectNode content) {
        BadInput.check(
            content.path("name").asText("").equals(stateKey),
            "name",
            "must be the state key %s",
            Markdown.code(stateKey));
        return new SampleConfig(stateKey);
      }

      @Override
      public String stateKeyFor(ObjectNode content) {
        return content.path("name").asText();
      }

      @Override
      public LiveConnection open(Connection connection, SampleConfig config, boolean created) {
        return new LiveConnection() {
          @Override
          public String summary() {
            return "sample " + Markdown.code(config.name());
          }

          @Override
          public void onMessage(RoomEvent.Message message) {
            if (!message.body().equals("!" + config.name() + " ping")) return;
            context
                .outbox()
                .post(
                    connection.roomId(),
                    Messages.reply("pong from " + Markdown.code(config.name()), message.eventId()));
          }
        };
      }
    }
  }
}
