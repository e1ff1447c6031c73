package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** JMH micro-benchmarks of the hot paths: command parsing and webhook body → message. */
final class JmhScenario {
  private JmhScenario() {}

  static void run(Report report) throws Exception {
    Options options =
        new OptionsBuilder()
            .include(
                "grapple\\.bench\\.jmh\\.CommandLineBench|grapple\\.bot\\.webhook\\.WebhookMessageBench")
            .forks(1)
            .warmupIterations(Bench.pick(2, 3))
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(Bench.pick(3, 5))
            .measurementTime(TimeValue.seconds(Bench.pick(1, 2)))
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, Double> score = new TreeMap<>();
    for (RunResult rr : results) {
      String name = rr.getParams().getBenchmark();
      score.put(
          name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1),
          rr.getPrimaryResult().getScore());
    }
    ObjectNode r = Report.result("jmh");
    score.forEach((k, v) -> r.withObjectProperty("figures").put(k + " ops/s", v));
    double parse = score.getOrDefault("CommandLineBench.parseCommand", -1.0);
    double split = score.getOrDefault("CommandLineBench.baselineSplitOnSpaces", -1.0);
    double build = score.getOrDefault("WebhookMessageBench.textWebhook", -1.0);
    double jackson = score.getOrDefault("WebhookMessageBench.baselineParseOnly", -1.0);
    r.withObjectProperty("baseline")
        .put("CommandLineBench.baselineSplitOnSpaces ops/s", split)
        .put("WebhookMessageBench.baselineParseOnly ops/s", jackson);
    r.withObjectProperty("ratio")
        .put("parseCommand / splitOnSpaces", parse / split)
        .put("textWebhook / jacksonParseOnly", build / jackson);
    r.withObjectProperty("goal").put("note", "the issue sets no number; met = every benchmark ran");
    r.put("met", score.size() == 6)
        .put(
            "summary", String.format("parse %,.0f ops/s, webhook build %,.0f ops/s", parse, build));
    report.rates("jmh", "CommandLine.parse (command) ops/s", parse, split, "");
    report.figure(
        "jmh",
        "CommandLine.parse (chat line) ops/s",
        score.getOrDefault("CommandLineBench.parseChatLine", -1.0));
    report.rates("jmh", "WebhookMessage.build text ops/s", build, jackson, "");
    report.figure(
        "jmh",
        "WebhookMessage.build object ops/s",
        score.getOrDefault("WebhookMessageBench.objectWebhook", -1.0));
    report.write(r);
  }
}
