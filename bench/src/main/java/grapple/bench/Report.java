package grapple.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The results of one run: a JSON file per scenario and the human table printed at the end. */
final class Report {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;
  private final List<String[]> rows = new ArrayList<>();
  private final List<String> verdicts = new ArrayList<>();

  Report(Path dir) {
    this.dir = dir;
  }

  /** A fresh result object: {scenario, figures, baseline, ratio, goal, met, environment}. */
  static ObjectNode result(String scenario) {
    ObjectNode r = JSON.createObjectNode().put("scenario", scenario);
    r.putObject("figures");
    r.putObject("baseline");
    r.putObject("ratio");
    r.putObject("goal");
    r.put("met", false);
    ObjectNode env = r.putObject("environment");
    env.put("cores", Proc.cores())
        .put("java", System.getProperty("java.version"))
        .put("timestamp", Instant.now().toString())
        .put("quick", Bench.quick);
    return r;
  }

  void write(ObjectNode result) {
    String scenario = result.get("scenario").asText();
    Path file = dir.resolve(scenario + ".json");
    try {
      Files.createDirectories(dir);
      Files.writeString(file, JSON.writeValueAsString(result) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
    String met =
        result.path("skipped").asBoolean(false)
            ? "SKIPPED"
            : result.get("met").asBoolean() ? "met" : "NOT met";
    verdicts.add(String.format("%-10s %-8s %s", scenario, met, result.path("summary").asText("")));
    System.out.println("  -> " + file + " (" + met + ")");
  }

  /** Writes a scenario that could not run as skipped, saying why (never as passed). */
  void skip(ObjectNode result, String why) {
    System.out.println("  SKIPPED: " + why);
    result.put("skipped", true).put("met", false).put("summary", "skipped: " + why);
    row(result.get("scenario").asText(), "skipped", "", "", "", "");
    write(result);
  }

  /** One line of the human table. */
  void row(String scenario, String what, String value, String baseline, String ratio, String goal) {
    rows.add(new String[] {scenario, what, value, baseline, ratio, goal});
  }

  /** A row of one figure, without baseline, ratio or goal. */
  void figure(String scenario, String what, double value) {
    row(scenario, what, num(value), "", "", "");
  }

  /** A row of this bot's figure next to the baseline's, without a ratio. */
  void figures(String scenario, String what, double value, double baseline, String goal) {
    row(scenario, what, num(value), num(baseline), "", goal);
  }

  /** A row of this bot's rate against the baseline's, with their ratio. */
  void rates(String scenario, String what, double value, double baseline, String goal) {
    row(scenario, what, num(value), num(baseline), String.format("%.2f", value / baseline), goal);
  }

  void print() {
    String fmt = "%-10s | %-44s | %16s | %16s | %8s | %s%n";
    System.out.println();
    System.out.printf(fmt, "scenario", "figure", "grapple", "baseline", "ratio", "goal");
    System.out.println("-".repeat(130));
    for (String[] r : rows) System.out.printf(fmt, (Object[]) r);
    System.out.println();
    verdicts.forEach(System.out::println);
  }

  static String num(double v) {
    if (v < 0) return "n/a";
    if (v >= 1000) return String.format("%,.0f", v);
    if (v >= 10) return String.format("%.1f", v);
    return String.format("%.2f", v);
  }
}
