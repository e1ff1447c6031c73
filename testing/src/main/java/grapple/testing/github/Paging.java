package grapple.testing.github;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.FormData;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * GitHub's paging: {@code per_page} (default 30, at most 100) and {@code page} (from 1), and a
 * {@code Link} header with prev, next, last and first, in that order, as GitHub writes it. See
 * https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
final class Paging {
  static final int DEFAULT_PER_PAGE = 30;
  static final int MAX_PER_PAGE = 100;

  /** One page of items, and the Link header to send (null when everything fits on one page). */
  record Page<T>(List<T> items, String link) {}

  private Paging() {}

  /**
   * The page of {@code all} that {@code call} asks for; {@code url} is the absolute URL of the
   * path.
   */
  static <T> Page<T> page(List<T> all, RecordedCall call, String url) {
    int perPage = clamp(number(call.queryParameter("per_page"), DEFAULT_PER_PAGE), 1, MAX_PER_PAGE);
    int last = Math.max(1, (all.size() + perPage - 1) / perPage);
    int page = Math.max(1, number(call.queryParameter("page"), 1));
    int from = Math.min(all.size(), (page - 1) * perPage);
    List<T> items = all.subList(from, Math.min(all.size(), from + perPage));
    if (last == 1) return new Page<>(items, null);
    String base = url + "?" + otherParameters(call) + "per_page=" + perPage + "&page=";
    List<String> links = new ArrayList<>();
    if (page > 1) links.add("<" + base + Math.min(page - 1, last) + ">; rel=\"prev\"");
    if (page < last) links.add("<" + base + (page + 1) + ">; rel=\"next\"");
    if (page < last) links.add("<" + base + last + ">; rel=\"last\"");
    if (page > 1) links.add("<" + base + 1 + ">; rel=\"first\"");
    return new Page<>(items, String.join(", ", links));
  }

  private static String otherParameters(RecordedCall call) {
    StringBuilder query = new StringBuilder();
    for (Map.Entry<String, String> parameter : FormData.decode(call.query()).entrySet()) {
      if (parameter.getKey().equals("page") || parameter.getKey().equals("per_page")) continue;
      query
          .append(encode(parameter.getKey()))
          .append('=')
          .append(encode(parameter.getValue()))
          .append('&');
    }
    return query.toString();
  }

  private static int number(String text, int fallback) {
    if (text == null) return fallback;
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return fallback; // GitHub ignores a page parameter it cannot read
    }
  }

  private static int clamp(int value, int min, int max) {
    return Math.max(min, Math.min(max, value));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /**
   * A top-level JSON array of one page, with the Link header; {@code apiUrl} is the base the paths
   * hang off.
   */
  static <T> Answer list(
      RecordedCall call, String apiUrl, List<T> all, Function<T, ObjectNode> render) {
    Page<T> page = page(all, call, apiUrl + call.path());
    ArrayNode items = GithubCorpus.JSON.createArrayNode();
    page.items().forEach(item -> items.add(render.apply(item)));
    return withLink(Answer.json(200, items), page);
  }

  /**
   * {@code answer} (an operation's example) with {@code total_count} and one page of items in
   * {@code field}.
   */
  static <T> Answer wrapped(
      RecordedCall call,
      String apiUrl,
      ObjectNode answer,
      String field,
      List<T> all,
      Function<T, ObjectNode> render) {
    Page<T> page = page(all, call, apiUrl + call.path());
    ArrayNode items = answer.put("total_count", all.size()).putArray(field);
    page.items().forEach(item -> items.add(render.apply(item)));
    return withLink(Answer.json(200, answer), page);
  }

  private static Answer withLink(Answer answer, Page<?> page) {
    return page.link() == null ? answer : answer.withHeader("Link", page.link());
  }
}
