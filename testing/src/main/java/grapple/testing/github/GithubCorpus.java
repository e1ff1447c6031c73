package grapple.testing.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import grapple.testing.Checkout;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * GitHub's published examples, which {@code testing/corpora/fetch.sh} fetches from npm into a cache
 * directory (see {@code testing/corpora/SOURCES.md}): every webhook payload in
 * {@code @octokit/webhooks-examples} and the REST response examples in {@code @octokit/openapi}.
 */
public final class GithubCorpus {
  /** The fetch script, relative to the checkout. */
  public static final String SCRIPT_IN_CHECKOUT = "testing/corpora/fetch.sh";

  /** Overrides the cache directory, for this class and the script alike. */
  public static final String CACHE_ENV = "GRAPPLE_CORPORA";

  static final String WEBHOOKS_FILE =
      "octokit-webhooks-examples-7.6.1/package/api.github.com/index.json";
  static final String OPENAPI_FILE = "octokit-openapi-23.0.2/package/generated/api.github.com.json";

  /**
   * Floats as BigDecimal so a payload serialises back to the text it was written as (1.0 stays
   * 1.0).
   */
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(10);
  private static final List<String> METHODS = List.of("get", "put", "post", "patch", "delete");
  private static GithubCorpus instance;

  private final Path cacheDir;
  private List<Example> webhookExamples;
  private JsonNode openApi;
  private Map<String, JsonNode> operations;

  private GithubCorpus(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  /**
   * One example webhook delivery: the {@code X-GitHub-Event} value, the payload's {@code action}
   * (null when the payload has none, e.g. push), the payload as compact JSON, and a unique label
   * such as {@code issues.opened#3} (the index counts the event's examples).
   */
  public record Example(String event, String action, byte[] body, String label) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("example " + label + " is not JSON", e);
      }
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** Thrown when the corpora are not in the cache and the fetch script could not put them there. */
  public static final class Unavailable extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  /** The corpora, fetched first if the cache lacks them; one instance per JVM. */
  public static synchronized GithubCorpus get() {
    if (instance == null) instance = load(cacheDir(), null);
    return instance;
  }

  /**
   * The corpora in {@code cacheDir}, fetched first with {@code script} (null: the one in the
   * checkout) if missing.
   */
  static GithubCorpus load(Path cacheDir, Path script) {
    if (!present(cacheDir)) fetch(cacheDir, script != null ? script : script(cacheDir));
    return new GithubCorpus(cacheDir);
  }

  /** {@code $GRAPPLE_CORPORA}, else {@code ~/.cache/grapple-corpora}, as the script has it. */
  public static Path cacheDir() {
    String fromEnv = System.getenv(CACHE_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) return Path.of(fromEnv).toAbsolutePath();
    return Path.of(System.getProperty("user.home"), ".cache", "grapple-corpora");
  }

  public Path dir() {
    return cacheDir;
  }

  /** All 329 example payloads, in the package's order. */
  public synchronized List<Example> webhookExamples() {
    if (webhookExamples == null)
      webhookExamples = List.copyOf(readWebhookExamples(read(WEBHOOKS_FILE)));
    return webhookExamples;
  }

  /**
   * The first example body of an operation's response, e.g. {@code ("issues/create", 201)}; a fresh
   * copy the caller may change. Throws IllegalArgumentException when there is none.
   */
  public JsonNode openApiExample(String operationId, int status) {
    JsonNode operation = operations().get(operationId);
    if (operation == null)
      throw new IllegalArgumentException("no operation '" + operationId + "' in " + OPENAPI_FILE);
    return responseExample(operationId, operation, status).deepCopy();
  }

  /**
   * As {@link #openApiExample(String, int)}, naming the operation as in {@code ("POST",
   * "/repos/{owner}/{repo}/issues")}.
   */
  public JsonNode openApiExample(String method, String path, int status) {
    return openApiExample(method.toUpperCase(Locale.ROOT) + " " + path, status);
  }

  private synchronized Map<String, JsonNode> operations() {
    if (operations != null) return operations;
    openApi = read(OPENAPI_FILE);
    Map<String, JsonNode> byName = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> paths = openApi.path("paths").properties().iterator();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (String method : METHODS) {
        JsonNode operation = path.getValue().get(method);
        if (operation == null) continue;
        byName.put(operation.path("operationId").asText(), operation);
        byName.put(method.toUpperCase(Locale.ROOT) + " " + path.getKey(), operation);
      }
    }
    operations = byName;
    return operations;
  }

  private JsonNode responseExample(String name, JsonNode operation, int status) {
    JsonNode response = follow(operation.path("responses").path(String.valueOf(status)));
    Iterator<JsonNode> content = response.path("content").elements();
    Iterator<JsonNode> examples =
        content.hasNext() ? content.next().path("examples").elements() : null;
    if (examples == null || !examples.hasNext()) {
      throw new IllegalArgumentException(
          "no example for "
              + name
              + " "
              + status
              + " (statuses: "
              + fieldNames(operation.path("responses"))
              + ")");
    }
    return exampleValue(examples.next());
  }

  /**
   * An Example Object or a $ref to one; its value may itself be a $ref to another Example Object.
   */
  private JsonNode exampleValue(JsonNode example) {
    if (example.has("$ref")) return exampleValue(follow(example));
    JsonNode value = example.path("value");
    if (value.has("$ref")) return exampleValue(follow(value));
    return value;
  }

  private JsonNode follow(JsonNode node) {
    if (!node.has("$ref")) return node;
    String ref = node.get("$ref").asText();
    if (!ref.startsWith("#/"))
      throw new IllegalStateException("external $ref " + ref + " in " + OPENAPI_FILE);
    return follow(openApi.at(ref.substring(1)));
  }

  private static List<Example> readWebhookExamples(JsonNode events) {
    List<Example> examples = new ArrayList<>();
    for (JsonNode event : events) {
      String name = event.path("name").asText();
      int index = 0;
      for (JsonNode payload : event.path("examples")) {
        String action = payload.path("action").isTextual() ? payload.get("action").asText() : null;
        String label = name + (action == null ? "" : "." + action) + "#" + index++;
        examples.add(new Example(name, action, bytes(payload), label));
      }
    }
    return examples;
  }

  private static byte[] bytes(JsonNode payload) {
    try {
      return JSON.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an example payload", e);
    }
  }

  private static String fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return String.join(", ", names);
  }

  private JsonNode read(String file) {
    try {
      return JSON.readTree(cacheDir.resolve(file).toFile());
    } catch (IOException e) {
      throw new Unavailable(
          "cannot read "
              + cacheDir.resolve(file)
              + " (delete "
              + cacheDir
              + " and run bash "
              + SCRIPT_IN_CHECKOUT
              + " again): "
              + e.getMessage());
    }
  }

  private static boolean present(Path cacheDir) {
    return Files.isRegularFile(cacheDir.resolve(WEBHOOKS_FILE))
        && Files.isRegularFile(cacheDir.resolve(OPENAPI_FILE));
  }

  private static void fetch(Path cacheDir, Path script) {
    String why = runScript(script, cacheDir);
    if (!present(cacheDir)) {
      throw new Unavailable(
          "the GitHub corpora are not in "
              + cacheDir
              + " and bash "
              + script
              + " could not fetch them"
              + " from npm ("
              + why
              + "). Run it where the npm registry is reachable, or point "
              + CACHE_ENV
              + " at a directory that holds them.");
    }
  }

  private static Path script(Path cacheDir) {
    try {
      return Checkout.root().resolve(SCRIPT_IN_CHECKOUT);
    } catch (IllegalStateException e) {
      throw new Unavailable(
          "the GitHub corpora are not in "
              + cacheDir
              + " and "
              + SCRIPT_IN_CHECKOUT
              + " is not found from here: "
              + e.getMessage());
    }
  }

  /**
   * Runs the script; returns what went wrong, or "exit 0". Output goes to a file: npm's can be
   * long.
   */
  private static String runScript(Path script, Path cacheDir) {
    try {
      Path output = Files.createTempFile("grapple-corpora-", ".log");
      try {
        ProcessBuilder builder =
            new ProcessBuilder("bash", script.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put(CACHE_ENV, cacheDir.toString());
        Process process = builder.start();
        if (!process.waitFor(FETCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          return "no answer within " + FETCH_TIMEOUT.toMinutes() + " min";
        }
        return "exit "
            + process.exitValue()
            + head(Files.readString(output, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** The start of the output: the script's own line, then npm's reason. */
  private static String head(String output) {
    String trimmed = output.strip();
    if (trimmed.isEmpty()) return "";
    return ": " + (trimmed.length() > 800 ? trimmed.substring(0, 800) + "…" : trimmed);
  }
}
