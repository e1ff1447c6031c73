package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import grapple.state.ConnectionId;
import grapple.state.Sql;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds at scale: 10,000 feed URLs (1,000 with --quick), each followed by one connection, served by
 * a local HTTP server; the bot's CPU time and RSS for one poll cycle (the first, which also marks
 * every item seen) and the time the cycle takes (spread over the interval by design).
 */
final class FeedScenario {
  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.feed";
  static final int ROOMS = 1_000;
  static final int ITEMS = 10;

  private FeedScenario() {}

  static void run(Report report) throws Exception {
    int urls = Bench.pick(1_000, 10_000);
    Path dir = Bench.work().resolve("feeds");
    Files.createDirectories(dir);
    Path db = dir.resolve("grapple.db");
    AtomicInteger served = new AtomicInteger();
    HttpServer server = feedServer(served);
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/f/";
      fill(db, base, urls);
      ObjectNode r = Report.result("feeds");
      try (BotProcess bot =
          BotProcess.local(
              dir,
              BotProcess.sqlite(db),
              "feeds: {pollIntervalSeconds: 60, pollConcurrency: 8, allowPrivateAddresses: true}\n")) {
        bot.start();
        Proc.Meter cpu = new Proc.Meter(bot.pid());
        long t0 = System.nanoTime();
        boolean done = awaitPolled(db, urls, Duration.ofMinutes(3));
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = cpu.cpuSeconds();
        double rss = Proc.rssMib(bot.pid());
        System.out.printf(
            "  %,d feeds polled in %.1f s (spread over the 60 s interval): bot CPU %.2f s"
                + " (%.2f ms per feed), RSS %.0f MiB, %,d requests served%n",
            urls, seconds, cpuSeconds, cpuSeconds * 1000 / urls, rss, served.get());
        r.withObjectProperty("figures")
            .put("feeds", urls)
            .put("itemsPerFeed", ITEMS)
            .put("rooms", ROOMS)
            .put("allPolled", done)
            .put("cycleSeconds", seconds)
            .put("botCpuSeconds", cpuSeconds)
            .put("botCpuMillisPerFeed", cpuSeconds * 1000 / urls)
            .put("rssMib", rss)
            .put("requests", served.get());
        r.withObjectProperty("baseline").put("note", "none: the issue asks for the figures");
        r.put("met", done)
            .put(
                "summary",
                String.format("%,d feeds: %.2f CPU s, RSS %.0f MiB", urls, cpuSeconds, rss));
        report.row(
            "feeds",
            urls + " feeds, one poll cycle: bot CPU s",
            String.format("%.2f", cpuSeconds),
            "",
            "",
            "");
        report.row(
            "feeds",
            "  CPU ms per feed / RSS MiB",
            String.format("%.2f / %.0f", cpuSeconds * 1000 / urls, rss),
            "",
            "",
            "");
        report.row(
            "feeds",
            "  cycle wall time (spread over 60 s) s",
            String.format("%.1f", seconds),
            "",
            "",
            done ? "all polled" : "NOT all polled");
      }
      report.write(r);
    } finally {
      server.stop(0);
    }
  }

  /** RSS 2.0 documents {@code /f/<n>.xml}, each with {@value #ITEMS} items and an ETag. */
  private static HttpServer feedServer(AtomicInteger served) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/f/",
        exchange -> {
          String name = exchange.getRequestURI().getPath().substring(3);
          byte[] body = rss(name).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/rss+xml");
          exchange.getResponseHeaders().set("ETag", "\"" + name + "-v1\"");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
          served.incrementAndGet();
        });
    server.start();
    return server;
  }

  private static String rss(String name) {
    StringBuilder out =
        new StringBuilder("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed ")
            .append(name)
            .append("</title><link>https://example.org/")
            .append(name)
            .append("</link>");
    for (int i = 0; i < ITEMS; i++) {
      out.append("<item><title>Item ")
          .append(i)
          .append(" of ")
          .append(name)
          .append("</title><link>https://example.org/")
          .append(name)
          .append('/')
          .append(i)
          .append("</link><guid>")
          .append(name)
          .append('-')
          .append(i)
          .append("</guid><pubDate>Mon, 02 Nov 2026 10:0")
          .append(i)
          .append(":00 GMT</pubDate><description>Summary ")
          .append(i)
          .append("</description></item>");
    }
    return out.append("</channel></rss>").toString();
  }

  private static void fill(Path db, String base, int urls) throws Exception {
    long now = System.currentTimeMillis();
    try (Connection c = Bench.newDatabase(db)) {
      try (PreparedStatement s =
          c.prepareStatement(
              """
          INSERT INTO connections (id, room_id, type, event_type, state_key, config,
            created_by, created_at, updated_by, updated_at) VALUES (?, ?, 'Feed', ?, ?, ?, ?, ?, ?, ?)""")) {
        for (int i = 0; i < urls; i++) {
          String room = "!feeds" + (i % ROOMS) + ":localhost";
          String url = base + i + ".xml";
          Sql.bind(
              s,
              ConnectionId.of(room, EVENT_TYPE, url),
              room,
              EVENT_TYPE,
              url,
              "{\"url\":\"" + url + "\"}",
              "@bench:localhost",
              now,
              "@bench:localhost",
              now);
          s.addBatch();
        }
        s.executeBatch();
      }
      c.commit();
    }
  }

  /** Waits until every URL has a successful poll stored (reading the bot's database beside it). */
  private static boolean awaitPolled(Path db, int urls, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      while (System.nanoTime() < deadline) {
        try (PreparedStatement s =
            c.prepareStatement(
                "SELECT count(*) FROM feed_urls WHERE last_success_at IS NOT NULL")) {
          ResultSet rs = s.executeQuery();
          if (rs.next() && rs.getInt(1) >= urls) return true;
        }
        Bench.sleep(Duration.ofMillis(250));
      }
    }
    return false;
  }
}
