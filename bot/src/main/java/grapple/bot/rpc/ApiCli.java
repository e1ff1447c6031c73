package grapple.bot.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.bot.CliArgs;
import grapple.bot.console.ConsoleGateway;
import grapple.state.Json;
import grapple.state.Texts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;

/**
 * {@code java -jar grapple.jar api ...}: the JSON-RPC client of the seed ({@code rhodecode-api}).
 * Saves the key and host with {@code _create_config}, sends {@code <method> [name:value ...]},
 * prints what it sends (key masked) and what Grapple said; exit 0 when {@code error} is null, 1 for
 * every failure.
 */
public final class ApiCli {
  public static final int EXIT_OK = 0;

  /**
   * Every failure: an error from Grapple, a mistake on the command line, no saved config, Grapple
   * unreachable. The contract promises scripts 0 when {@code error} is null and 1 otherwise; the
   * message on stderr (or the answer on stdout) says which.
   */
  public static final int EXIT_FAILURE = 1;

  private static final MediaType JSON = MediaType.get("application/json");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration COMPLETION_TIMEOUT = Duration.ofSeconds(3);
  private static final String MASK = "********";

  /**
   * The most of an answer the client reads: far more than any of Grapple's, and a server sending
   * gigabytes (broken, or not Grapple) does not fill the client's memory.
   */
  static final long MAX_ANSWER_BYTES = 16L * 1024 * 1024;

  /** How much of another server's error stderr quotes. */
  static final int MAX_QUOTED_CHARS = 500;

  static final String USAGE =
      """
      Usage: java -jar grapple.jar api _create_config --apikey=<key> --apihost=<url>
             java -jar grapple.jar api [--apikey=<key>] [--apihost=<url>] [--format=text|json] \
      <method> [name:value ...]
             java -jar grapple.jar api _completion bash
             java -jar grapple.jar api --help

        _create_config  save the key and host to $XDG_CONFIG_HOME/grapple/api.json (mode 0600)
        --apikey        the provisioning secret or a key of provisioning.tokens (overrides the saved);
                        without it, $GRAPPLE_API_KEY (kept out of ps and shell history)
        --apihost       Grapple's provisioning listener, e.g. http://127.0.0.1:9001 (overrides)
        --format json   print only the response, as JSON, for scripts
        name:value      an arg; the value is JSON when it parses as JSON, else a string
        _completion     print a bash completion script: eval "$(grapple api _completion bash)"

      Exit status: 0 when Grapple answered without error, 1 for every failure (Grapple answered
      an error, a mistake on this command line, no saved config, Grapple could not be reached).
      """;

  private final Map<String, String> env;
  private final Terminal out;
  private final Terminal err;

  ApiCli(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = new Terminal(out);
    this.err = new Terminal(err);
  }

  /** Runs {@code args} (after {@code api}); returns the exit status. */
  public static int run(
      List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    return new ApiCli(env, out, err).run(args);
  }

  /** The command line, parsed: options, then the method and its args. */
  record Line(
      @Nullable String apikey,
      @Nullable String apihost,
      boolean json,
      boolean help,
      List<String> words) {
    static Line parse(List<String> args) {
      String apikey = null;
      String apihost = null;
      boolean json = false;
      boolean help = false;
      List<String> words = new ArrayList<>();
      Set<String> given = new HashSet<>();
      CliArgs cli = new CliArgs(args, 0);
      while (cli.hasNext()) {
        String arg = cli.next();
        String name = CliArgs.name(arg);
        boolean option =
            name.equals("--apikey") || name.equals("--apihost") || name.equals("--format");
        if (!option) {
          if (arg.equals("--help") || arg.equals("-h")) help = true;
          // Only the name: the value of a misspelt --apikey is a key, never printed.
          else if (arg.startsWith("--"))
            throw new IllegalArgumentException("unknown option '" + name + "'");
          else words.add(arg);
          continue;
        }
        // Twice (a script's --apihost=$PROD, then one more): which one counts would be a guess,
        // and the key goes wherever it is; refused as an arg given twice is. Named without values.
        if (!given.add(name))
          throw new IllegalArgumentException(name + " is given twice; give it once");
        String value = cli.value(arg);
        switch (name) {
          case "--apikey" -> apikey = value;
          case "--apihost" -> apihost = value;
          default -> {
            if (!value.equals("json") && !value.equals("text"))
              throw new IllegalArgumentException(
                  "--format must be json or text, was '" + value + "'");
            json = value.equals("json");
          }
        }
      }
      return new Line(apikey, apihost, json, help, List.copyOf(words));
    }
  }

  int run(List<String> args) {
    Line line;
    try {
      line = Line.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("grapple api: " + e.getMessage() + "\n\n" + USAGE);
      return EXIT_FAILURE;
    }
    if (line.help() || line.words().isEmpty() || line.words().get(0).equals("help")) {
      out.println(USAGE);
      out.print(ApiHelp.methods(listingOnly().methods()));
      return line.help() || !line.words().isEmpty() ? EXIT_OK : EXIT_FAILURE;
    }
    String first = line.words().get(0);
    try {
      return switch (first) {
        case "_create_config" -> createConfig(line);
        case "_completion" -> completion(line);
        default -> call(line);
      };
    } catch (IllegalArgumentException e) {
      err.println("grapple api: " + e.getMessage());
      return EXIT_FAILURE;
    }
  }

  private int createConfig(Line line) {
    // Whitespace around a key is not part of it (Grapple ignores it too): a key pasted with its
    // line break is saved without it, and a blank one is no key.
    String key = givenKey(line);
    if (key == null || key.isBlank() || line.apihost() == null)
      throw new IllegalArgumentException(
          "_create_config needs both --apikey=<key> (or $" + KEY_ENV + ") and --apihost=<url>");
    ApiConfig config = new ApiConfig(key.strip(), ApiConfig.checkedHost(line.apihost().strip()));
    Path file = ApiConfig.file(env);
    try {
      config.save(file);
    } catch (IOException e) {
      err.println("grapple api: cannot write " + file + ": " + e.getMessage());
      return EXIT_FAILURE;
    }
    out.println("Wrote the key and host for " + config.apihost() + " to " + file + " (mode 0600).");
    return EXIT_OK;
  }

  /**
   * The saved config with the command line's overrides; throws when something is missing. With both
   * {@code --apikey} and {@code --apihost} given the file is not read: a broken or unreadable one
   * does not stand in the way of a call that needs nothing from it.
   */
  private ApiConfig config(Line line) {
    Path file = ApiConfig.file(env);
    // `--apikey=$KEY` with KEY unset: sent, it read as no key at all ("Missing `api_key` in JSON
    // DATA."), which says nothing of the command line.
    String option = line.apikey();
    if (option != null && option.isBlank()) {
      throw new IllegalArgumentException(
          "--apikey is empty (an unset shell variable?): give the key, or leave --apikey out to use $"
              + KEY_ENV
              + " or the saved key");
    }
    String given = givenKey(line);
    ApiConfig saved = null;
    if (given == null || line.apihost() == null) {
      try {
        saved = ApiConfig.load(file);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
      }
    }
    String key = given != null ? given : saved == null ? null : saved.apikey();
    String host = line.apihost() != null ? line.apihost() : saved == null ? null : saved.apihost();
    if (key == null || host == null) {
      throw new IllegalArgumentException(
          "no "
              + (key == null ? "API key" : "API host")
              + ": run `grapple api _create_config --apikey=<key> --apihost=<url>` (it saves to "
              + file
              + ") or give --apikey (or $"
              + KEY_ENV
              + ") and --apihost");
    }
    // A host read from the file is named so: "--apihost must be ..." would blame an option not
    // given, and giving it would leave the file as broken.
    String what =
        line.apihost() != null
            ? "--apihost"
            : "the apihost saved in " + file + " (run _create_config again, or give --apihost)";
    return new ApiConfig(key, ApiConfig.checkedHost(host, what));
  }

  /**
   * The environment variable a key may come from instead of {@code --apikey}: a command line shows
   * in {@code ps} to every user of the machine and stays in shell history.
   */
  static final String KEY_ENV = "GRAPPLE_API_KEY";

  /** {@code --apikey}, else a non-blank {@link #KEY_ENV}; null when neither is given. */
  private @Nullable String givenKey(Line line) {
    if (line.apikey() != null) return line.apikey();
    String fromEnv = env.get(KEY_ENV);
    return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
  }

  private int call(Line line) {
    ApiConfig config = config(line);
    String method = line.words().get(0);
    ObjectNode args = args(line.words().subList(1, line.words().size()));
    ObjectNode request = Json.object().put("api_key", config.apikey());
    request.put("id", ThreadLocalRandom.current().nextInt(1, 1000));
    request.set("args", args);
    request.put("method", method);
    if (!line.json()) {
      ObjectNode shown = request.deepCopy().put("api_key", MASK);
      out.println("calling " + Json.write(shown) + " to " + config.apihost());
    }
    JsonNode answer;
    try {
      answer = post(config, request, CALL_TIMEOUT);
    } catch (NotAnAnswer e) {
      err.println("grapple api: " + config.endpoint() + " answered " + e.getMessage());
      return EXIT_FAILURE;
    } catch (IOException e) {
      // The HTTP client's error may quote the server (a status line it cannot read), as written.
      err.println("grapple api: cannot reach " + config.endpoint() + ": " + e.getMessage());
      return EXIT_FAILURE;
    }
    if (!line.json()) out.println("grapple said:");
    out.println(pretty(answer));
    return answer.path("error").isNull() ? EXIT_OK : EXIT_FAILURE;
  }

  /**
   * The answer as indented JSON; what JSON leaves as written and a terminal obeys is escaped when
   * printed ({@link Terminal}). Outside strings Jackson writes no control character but the line
   * break, pinned to {@code \n} (a {@code \r} escaped there would not be JSON); inside them {@code
   * \u009b} is the same character, so {@code --format json} stays JSON.
   */
  private static String pretty(JsonNode answer) {
    DefaultPrettyPrinter indented =
        new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
    try {
      return Json.MAPPER.writer(indented).writeValueAsString(answer);
    } catch (IOException e) {
      throw new IllegalStateException("a parsed answer could not be written back", e);
    }
  }

  /** {@code name:value} words as the call's args. */
  static ObjectNode args(List<String> words) {
    ObjectNode args = Json.object();
    for (String word : words) {
      int colon = word.indexOf(':');
      if (colon <= 0) throw new IllegalArgumentException("args are name:value, was '" + word + "'");
      String name = word.substring(0, colon);
      if (args.has(name))
        throw new IllegalArgumentException("the arg " + name + " is given twice; give it once");
      args.set(name, value(name, word.substring(colon + 1)));
    }
    return args;
  }

  /**
   * JSON when it parses as JSON ({@code 12}, {@code {"a":1}}, {@code true}), else the text. JSON
   * naming a field twice is refused, naming it, as Grapple refuses it: read loosely, the last one
   * would be sent and the first dropped without a word.
   */
  private static JsonNode value(String arg, String text) {
    try {
      JsonNode parsed = Json.UNTRUSTED_UNIQUE_NAMES.readTree(text);
      if (parsed != null && !parsed.isMissingNode()) return parsed;
    } catch (JsonProcessingException e) {
      Optional<String> twice = Json.duplicateName(e);
      if (twice.isPresent())
        throw new IllegalArgumentException(
            "the arg " + arg + " names the field '" + twice.get() + "' twice; give it once");
      // Not JSON: the text itself is the value.
    }
    return Json.MAPPER.getNodeFactory().textNode(text);
  }

  /**
   * An answer that is not Grapple's answer to the call (another listener's error, a redirect, an
   * answer too large or to another call): the host was reached, so "cannot reach" would send the
   * operator after the network.
   */
  private static final class NotAnAnswer extends IOException {
    private static final long serialVersionUID = 1L;

    NotAnAnswer(String message) {
      super(message);
    }
  }

  /**
   * Sends one call; throws when Grapple cannot be reached or answers something else than a JSON-RPC
   * answer (HTTP 200, {@code id}, {@code result}, {@code error}): another listener's 404 is not
   * Grapple's word on the call, which "grapple said:" would make it. A redirect is not followed: a
   * 307 or 308 would carry the body, the key in it, to whatever address it names (another host, or
   * plain http), and a 301 or 302 would turn the call into a GET that Grapple answers with a
   * puzzling 405. The error names where it points, to give as --apihost.
   */
  static JsonNode post(ApiConfig config, ObjectNode request, Duration timeout) throws IOException {
    OkHttpClient http =
        new OkHttpClient.Builder()
            .callTimeout(timeout)
            .followRedirects(false)
            .followSslRedirects(false)
            .build();
    Request post =
        new Request.Builder()
            .url(config.endpoint())
            .post(RequestBody.create(Json.write(request), JSON))
            .build();
    try (Response response = http.newCall(post).execute()) {
      if (response.isRedirect()) {
        throw new NotAnAnswer(
            "HTTP "
                + response.code()
                + " redirect to "
                + shown(response.header("Location"))
                + ", not followed: the key would go along; if that is Grapple, give it as"
                + " --apihost");
      }
      byte[] body = body(response);
      JsonNode answer = null;
      try {
        answer = Json.UNTRUSTED.readTree(body);
      } catch (IOException e) {
        // Not the API's answer: reported below with the status.
      }
      if (response.code() == 200 && answer != null && isAnswer(answer)) {
        requireSameId(request, answer);
        return answer;
      }
      if (response.code() == 200 && answer != null && answer.isArray())
        throw new NotAnAnswer(
            "HTTP 200 with a JSON array (a batch of answers?), not the one answer to this call;"
                + " is this Grapple's provisioning listener?");
      // Another listener's error ({"ok": false, "error": "Not found"} on the webhook port) is not
      // Grapple's answer to the call: what it says is quoted (escaped), beside the status.
      JsonNode said = answer == null ? null : answer.get("error");
      throw new NotAnAnswer(
          "HTTP "
              + response.code()
              + " without a JSON-RPC answer"
              + (said != null && said.isTextual() ? " (it said " + quoted(said.asText()) + ")" : "")
              + (response.code() >= 500
                  ? "; the server failed or is overloaded (Grapple's listeners answer 503 when"
                      + " busy): try again later"
                  : "; is this Grapple's provisioning listener?"));
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * Another server's error as stderr quotes it: JSON-escaped and, when longer than {@value
   * #MAX_QUOTED_CHARS} characters, cut there and marked so ({@code "…"... (cut, 20000 characters in
   * all)}), so a broken or hostile server cannot flood the terminal (its answer may be up to {@link
   * #MAX_ANSWER_BYTES} long). The mark is ASCII, as a terminal may not show an ellipsis. What JSON
   * leaves as written and a terminal obeys is escaped when printed ({@link Terminal}).
   */
  static String quoted(String said) {
    if (said.length() <= MAX_QUOTED_CHARS) return Json.write(TextNode.valueOf(said));
    return Json.write(TextNode.valueOf(Texts.prefix(said, MAX_QUOTED_CHARS)))
        + "... (cut, "
        + said.length()
        + " characters in all)";
  }

  /**
   * Where a redirect points, as stderr shows it: as written when it is a short line of visible
   * ASCII, else {@link #quoted} (escaped, cut), so the server cannot write terminal control
   * sequences (ESC) or a flood through it.
   */
  private static String shown(@Nullable String location) {
    if (location == null) return "nowhere (no Location)";
    boolean plain = location.length() <= MAX_QUOTED_CHARS;
    for (int i = 0; plain && i < location.length(); i++)
      plain = location.charAt(i) > ' ' && location.charAt(i) < 0x7f;
    return plain ? location : quoted(location);
  }

  /**
   * Refuses the answer to another call: Grapple echoes the call's id, so an answer naming another
   * is not its word on this call (a proxy mixing answers up, or not Grapple at all). An error with
   * the id null is Grapple's refusal of a request it could not read (over its size limit), whose id
   * it could not know: its word on this call, not another's.
   */
  private static void requireSameId(ObjectNode request, JsonNode answer) throws IOException {
    JsonNode id = answer.get("id");
    if (id.equals(request.get("id"))) return;
    if (id.isNull() && answer.get("error").isTextual()) return;
    // Measured as printed: JSON leaves 8-bit controls and direction overrides as written.
    String shown = ConsoleGateway.visible(Json.write(id));
    throw new NotAnAnswer(
        "HTTP 200 with the answer to another call: its id is "
            + (shown.length() <= 40 ? shown : "another")
            + ", this call's is "
            + Json.write(request.get("id"))
            + "; is this Grapple's provisioning listener?");
  }

  /**
   * The answer's body; throws when it is longer than {@link #MAX_ANSWER_BYTES}, having read no more
   * than that.
   */
  private static byte[] body(Response response) throws IOException {
    BufferedSource source = response.body().source();
    if (response.body().contentLength() > MAX_ANSWER_BYTES
        || source.request(MAX_ANSWER_BYTES + 1)) {
      throw new NotAnAnswer(
          "HTTP "
              + response.code()
              + " with an answer larger than "
              + MAX_ANSWER_BYTES / (1024 * 1024)
              + " MiB, the most this client reads; not read further");
    }
    return source.getBuffer().readByteArray();
  }

  /**
   * The JSON-RPC answer's shape (CONTRACT §14): an object with {@code id}, {@code result} and
   * {@code error}, which the API always answers with HTTP 200.
   */
  private static boolean isAnswer(JsonNode answer) {
    return answer.isObject() && answer.has("id") && answer.has("result") && answer.has("error");
  }

  private int completion(Line line) {
    List<String> words = line.words();
    if (words.size() != 2 || !words.get(1).equals("bash"))
      throw new IllegalArgumentException("_completion takes one shell: bash");
    out.print(ApiHelp.bashCompletion(methodsForCompletion(line)));
    return EXIT_OK;
  }

  /** The jar's own table (the core's methods), to list, not to call. */
  private static JsonRpc listingOnly() {
    return new JsonRpc(
        key -> {
          throw new IllegalStateException("a table to list methods takes no calls");
        },
        new CoreMethods(null, null, null).table());
  }

  /** The bot's own table when it answers (services' methods too), else the core's. */
  private JsonNode methodsForCompletion(Line line) {
    try {
      ApiConfig config = config(line);
      ObjectNode request =
          Json.object().put("id", 1).put("api_key", config.apikey()).put("method", "get_methods");
      JsonNode answer = post(config, request, COMPLETION_TIMEOUT);
      if (answer.path("result").isArray()) return answer.get("result");
    } catch (IOException | IllegalArgumentException e) {
      // No config or no answer: the methods this jar knows are complete enough.
    }
    return listingOnly().describe();
  }

  /**
   * Where the CLI prints: everything goes out through {@link ConsoleGateway#visible} (what JSON and
   * Java leave as written and a terminal obeys, C0 and 8-bit controls such as U+009B, CSI, and
   * direction overrides, escaped; line breaks and tabs stay), so server text (an answer, an error
   * it quotes, a status line, a redirect's target) cannot drive the operator's terminal, whichever
   * line quotes it.
   */
  private static final class Terminal {
    private final PrintStream stream;

    Terminal(PrintStream stream) {
      this.stream = stream;
    }

    void print(String text) {
      stream.print(ConsoleGateway.visible(text));
    }

    void println(String text) {
      stream.println(ConsoleGateway.visible(text));
    }
  }
}
