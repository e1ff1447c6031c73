package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.ThreadMXBean;
import grapple.state.BadInput;
import grapple.state.CheckedMessageException;
import grapple.state.Json;
import grapple.state.Texts;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.mozilla.javascript.BaseFunction;
import org.mozilla.javascript.ClassShutter;
import org.mozilla.javascript.CompilerEnvirons;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.ContextFactory;
import org.mozilla.javascript.ErrorReporter;
import org.mozilla.javascript.EvaluatorException;
import org.mozilla.javascript.IRFactory;
import org.mozilla.javascript.Interpreter;
import org.mozilla.javascript.NativeArray;
import org.mozilla.javascript.NativeFunction;
import org.mozilla.javascript.Node;
import org.mozilla.javascript.Parser;
import org.mozilla.javascript.RhinoException;
import org.mozilla.javascript.Script;
import org.mozilla.javascript.ScriptRuntime;
import org.mozilla.javascript.ScriptStackElement;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.ScriptableObject;
import org.mozilla.javascript.Token;
import org.mozilla.javascript.Undefined;
import org.mozilla.javascript.ast.AstRoot;
import org.mozilla.javascript.ast.FunctionNode;
import org.mozilla.javascript.ast.ScriptNode;
import org.mozilla.javascript.json.JsonParser;

/**
 * A webhook's {@code transformationFunction}, compiled once per change and run per request with
 * hookshot's semantics: globals {@code data} (the body) and {@code HookshotApiVersion = "v2"}; the
 * script sets {@code result}, a string (v1) or {@code {version: "v2", ...}}.
 *
 * <p>The sandbox: Rhino's safe standard objects only (no {@code Packages}, {@code java}, {@code
 * load}, no host objects at all), a class shutter that lets no Java class through, the built-ins
 * and every object reachable from them sealed and shared read-only between calls, interpreted mode
 * with an instruction counter that ends the call at its time limit, a bounded stack depth, and
 * bounded output. No I/O and no timers exist in the scope, so nothing outlives the call.
 */
final class Transformation {
  /** Longest script accepted. */
  static final int MAX_SCRIPT_CHARS = 64 * 1024;

  /** Longest string a result field may hold (plain, html, the response body). */
  static final int MAX_OUTPUT_CHARS = 64 * 1024;

  /** Deepest JavaScript call stack. */
  static final int MAX_STACK_DEPTH = 256;

  /**
   * Instructions between two checks of the clock and the allocation count. Each check costs about
   * 0.1 µs; fewer instructions between them bound how much one loop of big allocations (a guarded
   * {@code repeat} of 1 Mi characters is a few instructions and some 3 MB) can take before it is
   * stopped.
   */
  private static final int CHECK_EVERY = 200;

  /** Longest string the built-ins that make one string out of a count may make. */
  static final int MAX_BUILT_STRING = 1 << 20;

  /**
   * Longest string {@code +}, {@code +=} or a template literal may make. Rhino joins two strings
   * lazily, in a few bytes whatever their length, so {@code s += s} doubles a string thirty times
   * in a few instructions and no allocation; the first built-in that reads it ({@code indexOf}, a
   * comparison) then copies all of it at once, in one instruction: a request for gigabytes, which
   * with {@code -XX:+ExitOnOutOfMemoryError} ends the process. Every such expression is checked as
   * it is made (see {@link #boundConcatenations}), so no string over this exists.
   */
  static final int MAX_CONCATENATED = 4 << 20;

  /**
   * The check of {@link #MAX_CONCATENATED}, a method of {@code String.prototype} called on {@code
   * ""}: sealed with the built-ins, it cannot be replaced or shadowed by a script (a name in the
   * scope could be, by a local declaration or {@code with}).
   */
  private static final String BOUND_CHECK = "__grappleBoundedString";

  /**
   * The count of a call of the script's own functions (see {@link #countCalls}), a method of {@code
   * String.prototype} as {@link #BOUND_CHECK} is.
   */
  private static final String CALL_COUNT = "__grappleCountedCall";

  private static final String SOURCE_NAME = "transformationFunction";

  /** Longest string {@code localeCompare} compares (see {@link #BOUNDED_BUILT_INS}). */
  static final int MAX_COMPARED_CHARS = 8192;

  /** Most elements {@code Array.from} and {@code fill} may make in one call. */
  static final int MAX_BUILT_ELEMENTS = 1 << 20;

  /**
   * The built-ins that build a string of any length from a small call ({@code "x".repeat(1e9)},
   * {@code "".padEnd(1e9)}, {@code new Array(1e9).join()}) refuse one longer than {@link
   * #MAX_BUILT_STRING}: one such call is one instruction, which the clock cannot interrupt. So do
   * those that make an array of a given length ({@code Array.from({length: 5e7})}, {@code new
   * Array(5e7).fill(0)}), over {@link #MAX_BUILT_ELEMENTS}: unguarded, either runs for minutes
   * inside one instruction and then exhausts the heap.
   */
  private static final String BOUNDED_BUILT_INS =
      """
      (function (max, maxElements, maxConcatenated, global, boundCheck, boundCheckName, isProxy,
               isRegExp, maxPattern, symbolFor, symbolKeyFor, maxCompared, countCall, countCallName,
               isCode, ownCount, ownIds) {
        // Function.prototype.apply as it was: the guards below call the built-ins they wrap with it,
        // not with the guarded apply.
        var realApply = Function.prototype.apply;
        Object.defineProperty(String.prototype, boundCheckName, {
          value: boundCheck, writable: false, configurable: false, enumerable: false
        });
        Object.defineProperty(String.prototype, countCallName, {
          value: countCall, writable: false, configurable: false, enumerable: false
        });
        function guard(proto, name, tooLong) {
          var original = proto[name];
          Object.defineProperty(proto, name, {
            value: function () {
              if (tooLong(this, arguments)) throw new RangeError(name + ": the string would be longer than " + max + " characters");
              return realApply.call(original, this, arguments);
            },
            writable: false, configurable: false, enumerable: false
          });
        }
        guard(String.prototype, "repeat", function (s, a) { return String(s).length * Number(a[0]) > max; });
        guard(String.prototype, "padStart", function (s, a) { return Number(a[0]) > max; });
        guard(String.prototype, "padEnd", function (s, a) { return Number(a[0]) > max; });
        // join (and toString, toLocaleString, String(array), which use it) as one Java call copies
        // every element: 200 strings of 1 Mi characters make one of 200 Mi at once. Each element is
        // turned into a string here, counted, and only a result within the bound is joined.
        var originalJoin = Array.prototype.join;
        function tooLongJoin() {
          return new RangeError("join: the string would be longer than " + max + " characters");
        }
        function boundedJoin(separator) {
          var o = Object(this), length = Number(o.length) || 0;
          var sep = separator === undefined ? "," : String(separator);
          if (length * Math.max(1, sep.length) > max) throw tooLongJoin();
          var total = Math.max(0, length - 1) * sep.length, parts = [];
          for (var i = 0; i < length; i++) {
            var e = o[i], t = e == null ? "" : String(e);
            total += t.length;
            if (total > max) throw tooLongJoin();
            parts.push(t);
          }
          return originalJoin.call(parts, sep);
        }
        function boundedToString() {
          return typeof this.join === "function" ? this.join() : Object.prototype.toString.call(this);
        }
        function boundedToLocaleString() {
          var o = Object(this), length = Number(o.length) || 0, parts = [];
          if (length > max) throw tooLongJoin();
          for (var i = 0; i < length; i++) parts.push(o[i] == null ? "" : o[i].toLocaleString());
          return boundedJoin.call(parts, ",");
        }
        [["join", boundedJoin], ["toString", boundedToString], ["toLocaleString", boundedToLocaleString]]
          .forEach(function (m) {
            Object.defineProperty(Array.prototype, m[0], {
              value: m[1], writable: false, configurable: false, enumerable: false
            });
          });
        // Array.from and fill refuse to make more than maxElements elements (lengthOf, below: a
        // length that reads the same when the built-in reads it again). Within the bound, either
        // of 1 Mi elements was still one Java call of 0.5 to 2 s on a loaded machine (fill on new
        // Array(1 << 20), whose elements are all holes, the slowest), past the limit and
        // uninterrupted. Past sortedNatively elements they work here, an element at a time
        // (counted as instructions), as the spec does; anything else (a string, an iterable of
        // its own, another constructor) is left to the built-in.
        var nativeFrom = Array.from;
        defineBounded(Array, "from", function from(items, mapfn, thisArg) {
          var o = items === null || items === undefined ? undefined : Object(items);
          var length = o === undefined ? 0 : lengthOf(o);
          if (length > maxElements) throw tooManyElements("from");
          if (o === undefined || typeof items === "string" || this !== Array || length <= sortedNatively
              || (mapfn !== undefined && typeof mapfn !== "function"))
            return realApply.call(nativeFrom, this, arguments);
          var iterator = o[Symbol.iterator], byIndex = iterator === undefined || iterator === null;
          if (!byIndex && !(Array.isArray(o) && iterator === arrayValues))
            return realApply.call(nativeFrom, this, arguments);
          var a = [];
          // An array's own iterator reads its length at every step; an array-like's is read once.
          for (var k = 0; k < (byIndex ? length : o.length); k++) {
            if (a.length >= maxElements) throw tooManyElements("from");
            a.push(mapfn === undefined ? o[k] : realApply.call(mapfn, thisArg, [o[k], k]));
          }
          return a;
        });
        // Array.of of the 1 Mi arguments apply passes (Array.of.apply(null, data.a)) made its array
        // in one Java call of 2 to 3 s. Past sortedNatively arguments it is made here, an element at
        // a time (counted); for a constructor other than Array it is refused.
        var nativeOf = Array.of;
        defineBounded(Array, "of", function of() {
          if (arguments.length <= sortedNatively) return realApply.call(nativeOf, this, arguments);
          if (typeof this === "function" && this !== Array) throw tooManyElements("of");
          var a = [];
          for (var i = 0; i < arguments.length; i++) a.push(arguments[i]);
          return a;
        });
        var nativeFill = Array.prototype.fill;
        defineBounded(Array.prototype, "fill", function fill(value, start, end) {
          "use strict"; // an element that cannot be written is a TypeError, as in the built-in
          var o = Object(this), length = lengthOf(o);
          if (length > maxElements) throw tooManyElements("fill");
          if (length <= sortedNatively) return realApply.call(nativeFill, this, arguments);
          var from = integerOf(start), to = end === undefined ? length : integerOf(end);
          from = from < 0 ? Math.max(length + from, 0) : Math.min(from, length);
          to = to < 0 ? Math.max(length + to, 0) : Math.min(to, length);
          for (var k = from; k < to; k++) o[k] = value;
          return o;
        });
        // Other built-ins that build much from little in one call: replace and replaceAll (a long
        // replacement that matches often: 'x'.repeat(1 << 20).replace(/x/g, s)), split and a
        // global match (a string of 4 Mi characters into as many one-character strings), concat,
        // flat and flatMap (an array holding the same large array many times). Each counts what it
        // would make first, or makes it here piece by piece (counted as instructions), and refuses
        // more than the bound.
        // Longest string split by a RegExp, or replaced in by a global one, in one Java call.
        var inSteps = 65536;
        function tooManyElements(name) {
          return new RangeError(name + ": would make more than " + maxElements + " elements");
        }
        function tooLongReplace(name) {
          return new RangeError(name + ": the string would be longer than " + maxConcatenated + " characters");
        }
        function expand(text, a, name) {
          var hasGroups = typeof a[a.length - 1] === "object" && a[a.length - 1] !== null;
          var groups = hasGroups ? a[a.length - 1] : undefined;
          var whole = a[a.length - (hasGroups ? 2 : 1)], position = a[a.length - (hasGroups ? 3 : 2)];
          var matched = a[0], captures = Array.prototype.slice.call(a, 1, a.length - (hasGroups ? 3 : 2));
          var out = "", i = 0;
          function put(piece) {
            out += piece;
            if (out.length > maxConcatenated) throw tooLongReplace(name);
          }
          function capture(n) {
            return captures[n - 1] === undefined ? "" : captures[n - 1];
          }
          while (i < text.length) {
            var next = text.indexOf("$", i);
            if (next < 0 || next + 1 >= text.length) { put(text.slice(i)); break; }
            if (next > i) { put(text.slice(i, next)); i = next; }
            var d = text.charAt(i + 1);
            if (d === "$") { put("$"); i += 2; }
            else if (d === "&") { put(matched); i += 2; }
            else if (d === "`") { put(whole.slice(0, position)); i += 2; }
            else if (d === "'") { put(whole.slice(position + matched.length)); i += 2; }
            else if (d >= "0" && d <= "9") {
              var e = text.charAt(i + 2), two = e >= "0" && e <= "9" ? Number(d + e) : 0, one = Number(d);
              if (two >= 1 && two <= captures.length) { put(capture(two)); i += 3; }
              else if (one >= 1 && one <= captures.length) { put(capture(one)); i += 2; }
              else { put("$"); i++; }
            } else if (d === "<" && groups !== undefined) {
              var end = text.indexOf(">", i + 2);
              if (end < 0) { put("$<"); i += 2; }
              else {
                var g = groups[text.slice(i + 2, end)];
                put(g === undefined ? "" : String(g));
                i = end + 1;
              }
            } else { put("$"); i++; }
          }
          return out;
        }
        // replace takes its matches one at a time; replaceAll (the spec's way) finds them all first,
        // one object each (a string of 4 Mi characters: 4 Mi of them), so it runs as replace with
        // a global pattern, which answers the same.
        var originalReplace = String.prototype.replace;
        function boundedReplace(name, self, pattern, replacement) {
          var s = String(self), total = s.length, each;
          if (typeof replacement === "function") {
            each = function (matched) {
              var r = String(replacement.apply(undefined, arguments));
              total += r.length - matched.length;
              if (total > maxConcatenated) throw tooLongReplace(name);
              return r;
            };
          } else {
            var text = String(replacement);
            // Without "$", Rhino replaces every match in one Java call: a global pattern that
            // matches at each of a 1 Mi string's positions (/(?:)/g) took some 0.65 s in it. On
            // a long string such a pattern's matches are taken one at a time, as below.
            var global = isRegExp(pattern) && pattern.global;
            if (text.indexOf("$") < 0 && s.length + (s.length + 1) * text.length <= maxConcatenated
                && !(global && s.length > inSteps))
              return originalReplace.call(s, pattern, text);
            // (A replacement without "$" is the same text for every match.)
            var plain = text.indexOf("$") < 0;
            each = function (matched) {
              countCall();
              var r = plain ? text : expand(text, arguments, name);
              total += r.length - matched.length;
              if (total > maxConcatenated) throw tooLongReplace(name);
              return r;
            };
          }
          return originalReplace.call(s, pattern, each);
        }
        Object.defineProperty(String.prototype, "replace", {
          value: function (pattern, replacement) {
            return boundedReplace("replace", this, pattern, replacement);
          },
          writable: false, configurable: false, enumerable: false
        });
        Object.defineProperty(String.prototype, "replaceAll", {
          value: function (pattern, replacement) {
            if (pattern instanceof RegExp) {
              if (!pattern.global) throw new TypeError("replaceAll: the pattern must be a global RegExp");
            } else {
              pattern = new RegExp(originalReplace.call(String(pattern), /[.*+?^${}()|[\\]\\\\\\/]/g, "\\\\$&"), "g");
            }
            return boundedReplace("replaceAll", this, pattern, replacement);
          },
          writable: false, configurable: false, enumerable: false
        });
        // split by a RegExp makes its parts in one Java call, at about 1.2 µs one: a 1 Mi string
        // split by /(?:)/ ran 1.25 s in it (its 1 Mi parts are within maxElements). On a string
        // over inSteps characters it runs here, one match at a time (counted as instructions),
        // as the spec and Rhino split: an empty match where the last part ended is skipped, and
        // captures are parts (one that took no part is "", as Rhino has it).
        var originalSplit = String.prototype.split;
        function splitInSteps(s, separator, most) {
          var flags = (separator.ignoreCase ? "i" : "") + (separator.multiline ? "m" : "") + "g";
          var r = new RegExp(separator.source, flags), parts = [], p = 0, q = 0, m;
          if (most === 0) return parts;
          while (q < s.length) {
            r.lastIndex = q;
            m = r.exec(s);
            if (m === null || m.index >= s.length) break;
            var e = m.index + m[0].length;
            if (e === p) { q = m.index + 1; continue; }
            parts.push(s.slice(p, m.index));
            if (parts.length === most) return parts;
            for (var i = 1; i < m.length; i++) {
              parts.push(m[i] === undefined ? "" : m[i]);
              if (parts.length === most) return parts;
            }
            p = q = e;
          }
          parts.push(s.slice(p));
          return parts;
        }
        Object.defineProperty(String.prototype, "split", {
          value: function (separator, limit) {
            var most = limit === undefined ? 4294967295 : limit >>> 0;
            if (isRegExp(separator) && this !== undefined && this !== null) {
              var s = String(this);
              if (s.length > inSteps) {
                var found = splitInSteps(s, separator, Math.min(most, maxElements + 1));
                if (found.length > maxElements) throw tooManyElements("split");
                return found;
              }
            }
            if (most <= maxElements) return originalSplit.call(this, separator, limit);
            var parts = originalSplit.call(this, separator, maxElements + 1);
            if (parts.length > maxElements) throw tooManyElements("split");
            return parts;
          },
          writable: false, configurable: false, enumerable: false
        });
        var originalMatch = String.prototype.match;
        Object.defineProperty(String.prototype, "match", {
          value: function (pattern) {
            var s = String(this);
            pattern = patternArgument(pattern, "match");
            if (!(pattern instanceof RegExp) || !pattern.global || s.length <= maxElements)
              return originalMatch.call(s, pattern);
            var found = [], m;
            pattern.lastIndex = 0;
            while ((m = pattern.exec(s)) !== null) {
              found.push(m[0]);
              if (found.length > maxElements) throw tooManyElements("match");
              if (m[0] === "") pattern.lastIndex++;
            }
            return found.length === 0 ? null : found;
          },
          writable: false, configurable: false, enumerable: false
        });
        function spreads(v) {
          if (v === null || typeof v !== "object") return false;
          var flag = typeof Symbol === "function" && Symbol.isConcatSpreadable ? v[Symbol.isConcatSpreadable] : undefined;
          return flag !== undefined ? Boolean(flag) : Array.isArray(v);
        }
        var originalConcat = Array.prototype.concat;
        Object.defineProperty(Array.prototype, "concat", {
          value: function () {
            var count = 0;
            var items = [this];
            for (var i = 0; i < arguments.length; i++) items.push(arguments[i]);
            for (var j = 0; j < items.length; j++) {
              // Whether an item spreads may read differently when concat reads it again (a getter
              // of Symbol.isConcatSpreadable): an object counts as its length whichever it says.
              var item = items[j];
              count += item !== null && typeof item === "object" ? Math.max(1, lengthOf(item)) : 1;
              if (count > maxElements) throw tooManyElements("concat");
            }
            return realApply.call(originalConcat, this, arguments);
          },
          writable: false, configurable: false, enumerable: false
        });
        function countFlat(a, depth, count) {
          for (var i = 0, length = lengthOf(a); i < length; i++) {
            var e = a[i];
            if (depth > 0 && Array.isArray(e))
              count = depth > 1 ? countFlat(e, depth - 1, count) : count + lengthOf(e);
            else count++;
            if (count > maxElements) throw tooManyElements("flat");
          }
          return count;
        }
        var originalFlat = Array.prototype.flat, originalMap = Array.prototype.map;
        Object.defineProperty(Array.prototype, "flat", {
          value: function (depth) {
            var d = depth === undefined ? 1 : Math.floor(Number(depth)) || 0;
            countFlat(Object(this), Math.min(d, 100), 0);
            return originalFlat.call(this, depth);
          },
          writable: false, configurable: false, enumerable: false
        });
        Object.defineProperty(Array.prototype, "flatMap", {
          value: function (f, thisArg) {
            if (typeof f !== "function") throw new TypeError("flatMap: the callback is not a function");
            var mapped = originalMap.call(this, f, thisArg);
            countFlat(mapped, 1, 0);
            return originalFlat.call(mapped, 1);
          },
          writable: false, configurable: false, enumerable: false
        });
        // Built-ins that make a string several times as long as what they are given, in one Java
        // call: "".concat(s, s, ...) with twenty strings of 4 Mi characters, s.normalize("NFKD")
        // (up to 18 characters for one), encodeURIComponent (9), escape (6), s.fontcolor(t) (6,
        // each quote an &quot;) and String.raw asked for hundreds of megabytes at once. Each counts
        // what it will make, first or as it goes, and refuses more than maxConcatenated characters.
        function tooLongString(name) {
          return new RangeError(name + ": the string would be longer than " + maxConcatenated + " characters");
        }
        function defineBounded(owner, name, f) {
          Object.defineProperty(owner, name, {
            value: f, writable: false, configurable: false, enumerable: false
          });
        }
        var originalStringConcat = String.prototype.concat;
        defineBounded(String.prototype, "concat", function () {
          var parts = [String(this)], total = parts[0].length;
          for (var i = 0; i < arguments.length; i++) {
            parts.push(String(arguments[i]));
            total += parts[i + 1].length;
            if (total > maxConcatenated) throw tooLongString("concat");
          }
          return realApply.call(originalStringConcat, parts[0], parts.slice(1));
        });
        var originalNormalize = String.prototype.normalize;
        defineBounded(String.prototype, "normalize", function (form) {
          var s = String(this), f = form === undefined ? "NFC" : String(form);
          // What one character may become: 18 under compatibility forms, 3 under NFC and NFD.
          if (s.length * (f.slice(0, 3) === "NFK" ? 18 : 3) > maxConcatenated) throw tooLongString("normalize");
          return originalNormalize.call(s, f);
        });
        // The encodings encode each character (each pair of surrogates) on its own: a long string is
        // encoded a slice at a time, a pair never split, and refused once what is made is over the
        // bound.
        function guardEncoding(name) {
          var original = global[name];
          defineBounded(global, name, function (value) {
            var s = String(value), out = "";
            if (s.length * 9 <= maxConcatenated) return original.call(undefined, s);
            for (var i = 0; i < s.length; ) {
              var end = Math.min(s.length, i + 65536), last = s.charCodeAt(end - 1);
              if (end < s.length && last >= 0xD800 && last <= 0xDBFF) end++;
              out += original.call(undefined, s.slice(i, end));
              if (out.length > maxConcatenated) throw tooLongString(name);
              i = end;
            }
            return out;
          });
        }
        ["encodeURIComponent", "encodeURI", "escape"].forEach(guardEncoding);
        ["anchor", "fontcolor", "fontsize", "link"].forEach(function (name) {
          var original = String.prototype[name];
          defineBounded(String.prototype, name, function (attribute) {
            var s = String(this), a = String(attribute);
            if (s.length + 6 * a.length + 32 > maxConcatenated) throw tooLongString(name);
            return original.call(s, a);
          });
        });
        // The case conversions make up to three characters of one (the ligature ffi upper-cased
        // is "FFI", a dotted capital I lower-cased two), in one call: a loop of them on a string
        // of 4 Mi such characters kept 24 MB an instruction, faster than the checks between
        // instructions could see, and the heap filled (the process spun in the collector for
        // minutes). Only a string that could grow past maxConcatenated characters (not ASCII,
        // which keeps its length) is refused.
        // localeCompare collates in one Java call, at up to some 15 µs a character that is not
        // ASCII: two strings of 256 Ki characters took 4 s, of 4 Mi a minute, past any limit. It
        // compares strings of at most maxCompared characters (some 0.1 s at worst).
        var originalLocaleCompare = String.prototype.localeCompare;
        defineBounded(String.prototype, "localeCompare", function localeCompare(that) {
          if (this === null || this === undefined || typeof this === "symbol" || typeof that === "symbol")
            return realApply.call(originalLocaleCompare, this, arguments);
          var s = String(this), t = String(that);
          if (s.length > maxCompared || t.length > maxCompared)
            throw new RangeError("localeCompare: compares strings of at most " + maxCompared + " characters");
          return originalLocaleCompare.call(s, t);
        });
        ["toUpperCase", "toLowerCase", "toLocaleUpperCase", "toLocaleLowerCase"].forEach(function (name) {
          var original = String.prototype[name];
          defineBounded(String.prototype, name, function () {
            if (this !== null && this !== undefined) {
              var s = String(this);
              // (A search for one character: a pattern with * keeps state for each one it passes.)
              if (s.length * 3 > maxConcatenated && /[^\\x00-\\x7f]/.test(s)) throw tooLongString(name);
            }
            return realApply.call(original, this, arguments);
          });
        });
        defineBounded(String, "raw", function raw(template) {
          var strings = Object(Object(template).raw), n = lengthOf(strings), out = "";
          if (n > maxElements) throw tooLongToWalk("String.raw");
          for (var i = 0; i < n; i++) {
            out += String(strings[i]);
            if (i + 1 < n && i + 1 < arguments.length) out += String(arguments[i + 1]);
            if (out.length > maxConcatenated) throw tooLongString("String.raw");
          }
          return out;
        });
        // Rhino's own way to print source (not in hookshot's QuickJS): escaping makes up to six
        // characters of one, in one call. The standard objects are sealed already: their toSource
        // cannot be deleted, only made undefined (Math's and JSON's, which cannot, print one word).
        delete global.uneval;
        [Object, Array, String, Number, Boolean, Function, Date, RegExp, Error]
          .forEach(function (o) {
            var d = Object.getOwnPropertyDescriptor(o.prototype, "toSource");
            if (d && d.configurable) defineBounded(o.prototype, "toSource", undefined);
          });
        // Built-ins that walk every index up to an array's length in one Java call: on an array
        // whose length is set to 2 ** 32 - 1 (a = []; a.length = 4294967295), or an array-like
        // {length: 2 ** 53 - 1}, indexOf, includes or forEach loop for minutes inside one
        // instruction, and sort, toSorted or apply first copy every index into one Java array of
        // gigabytes. Each refuses a length over maxElements. The built-in reads the length again:
        // only a length that reads the same twice is measured (an array's, or a data property
        // holding a number, with no Proxy on the way); any other (a getter, an object with
        // valueOf, a Proxy) is refused.
        function lengthOf(o) {
          for (var p = o; p !== null; p = Object.getPrototypeOf(p)) {
            if (isProxy(p)) return Infinity;
            if (Array.isArray(p)) return p === o ? p.length : Infinity;
            var d = Object.getOwnPropertyDescriptor(p, "length");
            if (d !== undefined) return "value" in d && typeof d.value === "number" ? d.value : Infinity;
          }
          return 0;
        }
        function tooLongToWalk(name) {
          return new RangeError(name + ": works on at most " + maxElements + " elements (an array, or an object whose length is a number)");
        }
        // The methods that call a function for every element: one written in JavaScript counts its
        // own calls, but a built-in (data.a.map(String), forEach(Object.freeze)) counts none, and
        // map of 1 Mi elements by String ran several seconds in one call. Past sortedNatively
        // elements such a callback is called through one that counts it.
        var withCallback = ["every", "filter", "forEach", "map", "some", "find", "findIndex",
          "findLast", "findLastIndex", "reduce", "reduceRight"];
        function counted(f) {
          "use strict"; // this is passed on as given, undefined too
          return function () { countCall(); return realApply.call(f, this, arguments); };
        }
        function guardLength(name, label) {
          var original = Array.prototype[name];
          if (typeof original !== "function") return;
          var callsBack = withCallback.indexOf(name) >= 0;
          Object.defineProperty(Array.prototype, name, {
            value: function () {
              var length = lengthOf(Object(this));
              if (length > maxElements) throw tooLongToWalk(label || name);
              if (callsBack && length > sortedNatively && typeof arguments[0] === "function"
                  && !isCode(arguments[0])) {
                var args = [counted(arguments[0])];
                for (var i = 1; i < arguments.length; i++) args.push(arguments[i]);
                return realApply.call(original, this, args);
              }
              return realApply.call(original, this, arguments);
            },
            writable: false, configurable: false, enumerable: false
          });
        }
        ["reverse", "shift", "unshift", "splice", "slice", "indexOf",
         "lastIndexOf", "every", "filter", "forEach", "map", "some", "find", "findIndex", "findLast",
         "findLastIndex", "reduce", "reduceRight", "includes", "copyWithin"].forEach(function (name) {
           guardLength(name);
         });
        // sort and toSorted call their comparator from Java, where Rhino counts no instructions
        // for a function without a loop or branch of its own (function (x, y) { return 0; }),
        // and without one compare in Java outright (each comparison turns both elements into
        // strings; a built-in as comparator, a.sort(Math.min), likewise). A body of 1 MiB holds
        // 340,000 numbers, which one sort compared for 1.3 to 5 s, uninterrupted (1 Mi of them:
        // 15 s). Past sortedNatively elements every comparison is counted (countCall), so the
        // clock and the memory bound are read as in any loop of the script's. Rhino puts
        // undefined and holes last itself, before a comparator sees them; the others compare as
        // the built-in does, as strings.
        var sortedNatively = 4096;
        function compareAsStrings(x, y) {
          countCall();
          if (typeof x === "symbol" || typeof y === "symbol")
            throw new TypeError("sort: cannot convert a Symbol to a string");
          var a = String(x), b = String(y);
          return a < b ? -1 : a > b ? 1 : 0;
        }
        ["sort", "toSorted"].forEach(function (name) {
          var original = Array.prototype[name];
          if (typeof original !== "function") return;
          defineBounded(Array.prototype, name, function (comparefn) {
            var length = lengthOf(Object(this));
            if (length > maxElements) throw tooLongToWalk(name);
            if (length <= sortedNatively || (comparefn !== undefined && typeof comparefn !== "function"))
              return realApply.call(original, this, arguments);
            var compare = comparefn === undefined ? compareAsStrings
                : function (x, y) { countCall(); return comparefn(x, y); };
            return original.call(this, compare);
          });
        });
        // toReversed, toSpliced and with copy every index in one Java call: some 0.45 s for 1 Mi
        // elements (340,000, a 1 MiB body's numbers: up to 0.9 s on a loaded machine), which no
        // check interrupted. Past sortedNatively elements they copy here, an index at a time
        // (counted as instructions), as the spec does: a hole is read as undefined. An index out
        // of range is left to the built-in, which refuses it before it copies.
        function integerOf(x) {
          var n = Number(x);
          return n !== n ? 0 : n < 0 ? Math.ceil(n) : Math.floor(n);
        }
        function copyInSteps(o, from, to, into) {
          for (var k = from; k < to; k++) into.push(o[k]);
          return into;
        }
        function copiedInSteps(name, copy) {
          var original = Array.prototype[name];
          if (typeof original !== "function") return;
          defineBounded(Array.prototype, name, function () {
            var o = Object(this), length = lengthOf(o);
            if (length > maxElements) throw tooLongToWalk(name);
            if (length > sortedNatively) {
              var made = copy(o, length, arguments);
              if (made !== undefined) return made;
            }
            return realApply.call(original, this, arguments);
          });
        }
        copiedInSteps("toReversed", function (o, length) {
          var a = [];
          for (var k = length - 1; k >= 0; k--) a.push(o[k]);
          return a;
        });
        copiedInSteps("with", function (o, length, args) {
          var relative = integerOf(args[0]), actual = relative >= 0 ? relative : length + relative;
          if (actual >= length || actual < 0) return undefined;
          var a = copyInSteps(o, 0, actual, []);
          a.push(args[1]);
          return copyInSteps(o, actual + 1, length, a);
        });
        copiedInSteps("toSpliced", function (o, length, args) {
          var relative = integerOf(args[0]);
          var start = relative < 0 ? Math.max(length + relative, 0) : Math.min(relative, length);
          var skip = args.length === 0 ? 0 : args.length === 1 ? length - start
              : Math.min(Math.max(integerOf(args[1]), 0), length - start);
          var a = copyInSteps(o, 0, start, []);
          for (var i = 2; i < args.length; i++) a.push(args[i]);
          return copyInSteps(o, start + skip, length, a);
        });
        // An array's iterators yield every index up to its length, and the built-ins that take an
        // iterable (Array.from, new Set, new Map, Object.fromEntries) drain one in a Java loop:
        // Array.from(a.keys()) on that array made 4 Gi numbers in one call.
        // Within the bound, new Set(a) of 1 Mi elements was still one Java call of 3 to 10 s on a
        // loaded machine. An iterator over more than sortedNatively elements counts each step: it
        // is the built-in's, with an own next that counts, then calls the built-in's next (the
        // built-ins that drain an iterable read next as a property).
        function countedIterator(it) {
          var proto = Object.getPrototypeOf(it), step = proto.next, own = Object.create(proto);
          Object.defineProperty(own, "next", {
            value: function next() { countCall(); return step.call(it); },
            writable: true, configurable: true, enumerable: false
          });
          // (The built-in's checks that it is called on a built-in iterator.)
          Object.defineProperty(own, Symbol.iterator, {
            value: function () { return this; }, writable: true, configurable: true, enumerable: false
          });
          return own;
        }
        function guardIterator(name, label) {
          var original = Array.prototype[name];
          defineBounded(Array.prototype, name, function () {
            var length = lengthOf(Object(this));
            if (length > maxElements) throw tooLongToWalk(label);
            var it = realApply.call(original, this, arguments);
            return length > sortedNatively ? countedIterator(it) : it;
          });
        }
        ["keys", "values", "entries"].forEach(function (name) { guardIterator(name, name); });
        // As in the spec, an array's [Symbol.iterator] is its values (Rhino reads it so, but the
        // property itself held a guard of its own).
        defineBounded(Array.prototype, Symbol.iterator, Array.prototype.values);
        var arrayValues = Array.prototype[Symbol.iterator];
        // A string's iterator yields each character, and new Set(s), new Map(s) or new WeakSet(s)
        // drain it in one Java call: on a string of 4 Mi characters, some seven seconds of one
        // instruction, past any time limit.
        var originalStringIterator = String.prototype[Symbol.iterator];
        defineBounded(String.prototype, Symbol.iterator, function () {
          var length = -1;
          if (typeof this === "string") length = this.length;
          else if (typeof this === "object" && this !== null) {
            try {
              length = String.prototype.valueOf.call(this).length; // a String object's own string
            } catch (notAString) {
              // Any other object: the built-in turns it into a string, as before.
            }
          }
          if (length > maxElements)
            throw new RangeError("[Symbol.iterator]: works on a string of at most " + maxElements + " characters");
          var it = realApply.call(originalStringIterator, this, arguments);
          return length > sortedNatively ? countedIterator(it) : it;
        });
        // Object.keys, values, entries, assign and the like make one property per character of a
        // string: on a string of 4 Mi characters, millions of objects in one call (minutes of
        // collection, or more than the heap). They refuse one over maxElements characters.
        // On an object they list its own properties in one Java call too, at 0.3 to 9 µs each: on
        // an array of 1 Mi elements (a body of 1 MiB holds 512 Ki) 0.3 to 9 s, uninterrupted. Past
        // sortedNatively properties (or characters) they work here, a property at a time (counted
        // as instructions), from Rhino's own list of the keys, in its order (ownIds: one Java call,
        // which makes no string or object of them).
        function stringLength(v) {
          var length = -1;
          if (typeof v === "string") length = v.length;
          else if (typeof v === "object" && v !== null) {
            try {
              length = String.prototype.valueOf.call(v).length; // a String object's own string
            } catch (notAString) {
              // Any other object.
            }
          }
          return length;
        }
        // How many own properties v has at most, without listing them (a Proxy's are its traps').
        function ownCountOf(v) {
          if (v === null || (typeof v !== "object" && typeof v !== "function")) return 0;
          return isProxy(v) ? Infinity : ownCount(v);
        }
        function tooManyProperties(name, most) {
          return new RangeError(name + ": works on at most " + most + " properties (an array's elements, or an object's own)");
        }
        function ownKeysOf(o, all, name) {
          var ids = ownIds(o, all);
          if (ids.length > maxElements) throw tooManyProperties(name, maxElements);
          return ids;
        }
        // Each own key of o, strings (as strings) then symbols, enumerable or not.
        function eachOwnKey(o, name, f) {
          var ids = ownKeysOf(o, true, name), symbols = Object.getOwnPropertySymbols(o);
          for (var i = 0; i < ids.length; i++) f(String(ids[i]));
          for (var j = 0; j < symbols.length; j++) f(symbols[j]);
        }
        function listsOwn(owner, name, from, inSteps) {
          var original = owner[name];
          defineBounded(owner, name, function () {
            var large = false;
            for (var i = from; i < arguments.length; i++) {
              var v = arguments[i], length = stringLength(v);
              if (length > maxElements)
                throw new RangeError(name + ": works on a string of at most " + maxElements + " characters");
              if (length > sortedNatively || ownCountOf(v) > sortedNatively) large = true;
            }
            return realApply.call(large ? inSteps : original, this, arguments);
          });
        }
        function namesInSteps(name, all) {
          return function (v) {
            var ids = ownKeysOf(Object(v), all, name), names = [];
            for (var i = 0; i < ids.length; i++) names.push(String(ids[i]));
            return names;
          };
        }
        listsOwn(Object, "keys", 0, namesInSteps("keys", false));
        listsOwn(Object, "getOwnPropertyNames", 0, namesInSteps("getOwnPropertyNames", true));
        listsOwn(Object, "values", 0, function (v) {
          var o = Object(v), ids = ownKeysOf(o, false, "values"), values = [];
          for (var i = 0; i < ids.length; i++) values.push(o[ids[i]]);
          return values;
        });
        listsOwn(Object, "entries", 0, function (v) {
          var o = Object(v), ids = ownKeysOf(o, false, "entries"), entries = [];
          for (var i = 0; i < ids.length; i++) entries.push([String(ids[i]), o[ids[i]]]);
          return entries;
        });
        listsOwn(Object, "getOwnPropertyDescriptors", 0, function (v) {
          var o = Object(v), descriptors = {};
          eachOwnKey(o, "getOwnPropertyDescriptors", function (k) {
            var d = Object.getOwnPropertyDescriptor(o, k);
            if (d !== undefined)
              Object.defineProperty(descriptors, k, {value: d, writable: true, enumerable: true, configurable: true});
          });
          return descriptors;
        });
        listsOwn(Object, "assign", 1, function (target) {
          "use strict"; // a property that cannot be written is a TypeError, as in the built-in
          if (target === null || target === undefined) throw new TypeError("assign: cannot convert " + target + " to an object");
          var to = Object(target);
          for (var i = 1; i < arguments.length; i++) {
            if (arguments[i] === null || arguments[i] === undefined) continue;
            // As Rhino's: its enumerable properties named by strings, not symbols.
            var from = Object(arguments[i]), ids = ownKeysOf(from, false, "assign");
            for (var j = 0; j < ids.length; j++) to[ids[j]] = from[ids[j]];
          }
          return to;
        });
        listsOwn(Reflect, "ownKeys", 0, function (v) {
          if (Object(v) !== v) throw new TypeError("ownKeys: the argument is not an object");
          var keys = [];
          eachOwnKey(v, "ownKeys", function (k) { keys.push(k); });
          return keys;
        });
        // freeze and seal change every own property in one Java call, and on an array the first
        // turns all its elements into properties of their own: 1 Mi elements took 3 to 7 s. Each
        // refuses more than maxFrozen properties (at most some 0.1 s).
        var maxFrozen = 16384;
        ["freeze", "seal"].forEach(function (name) {
          var original = Object[name];
          defineBounded(Object, name, function (v) {
            if (ownCountOf(v) > maxFrozen && ownIds(v, true).length > maxFrozen) throw tooManyProperties(name, maxFrozen);
            return realApply.call(original, this, arguments);
          });
        });
        // Defining an element of an array (Object.defineProperty(a, 0, {value: 1})) first gives each
        // of its elements a property of its own, in one Java call: 1 to 2 s for 1 Mi elements. It
        // is refused on an array of more than maxFrozen elements (or behind a Proxy, whose length
        // is not known); a named property is defined as before.
        function isIndex(key) {
          return typeof key === "string" && String(key >>> 0) === key && (key >>> 0) !== 4294967295;
        }
        function largeArray(o) {
          return Array.isArray(o) && (isProxy(o) || o.length > maxFrozen);
        }
        function definesAnElement(name) {
          return new RangeError(name + ": may define an element only of an array of at most " + maxFrozen + " elements");
        }
        [[Object, "defineProperty"], [Reflect, "defineProperty"]].forEach(function (m) {
          var original = m[0][m[1]];
          defineBounded(m[0], m[1], function (o, key, attributes) {
            if (!largeArray(o)) return realApply.call(original, this, arguments);
            // The key made once, as the built-in would: it is given the key so made.
            var k = typeof key === "symbol" ? key : String(key);
            if (isIndex(k)) throw definesAnElement(m[1]);
            return original.call(this, o, k, attributes);
          });
        });
        var originalDefineProperties = Object.defineProperties;
        defineBounded(Object, "defineProperties", function (o, properties) {
          if (largeArray(o) && properties !== null && properties !== undefined
              && Object.keys(properties).some(isIndex))
            throw definesAnElement("defineProperties");
          return realApply.call(originalDefineProperties, this, arguments);
        });
        // apply copies its list of arguments into one Java array: Math.max.apply(null, {length:
        // 1e9}) asks for 8 GB at once.
        function guardArguments(owner, name, position) {
          var original = owner[name];
          Object.defineProperty(owner, name, {
            value: function () {
              var list = arguments[position];
              if (list !== null && list !== undefined && lengthOf(Object(list)) > maxElements)
                throw new RangeError(name + ": takes at most " + maxElements + " arguments (an array, or an object whose length is a number)");
              return realApply.call(original, this, arguments);
            },
            writable: false, configurable: false, enumerable: false
          });
        }
        guardArguments(Reflect, "apply", 2);
        guardArguments(Reflect, "construct", 1);
        guardArguments(Function.prototype, "apply", 1);
        // Compiling a pattern takes memory in proportion to it, in one call: new RegExp(s),
        // s.match(t) or s.search(t) with a string of 4 Mi characters asked for more than the heap.
        // A pattern made at run time may be as long as a script. The RegExp reachable from a
        // script is a guard; the built-in constructor is reachable from nothing a script can read.
        var OriginalRegExp = RegExp;
        function patternSource(pattern, name) {
          var source = pattern === undefined ? "" : String(pattern);
          if (source.length > maxPattern)
            throw new SyntaxError(name + ": a pattern may be at most " + maxPattern + " characters, was " + source.length);
          return source;
        }
        var BoundedRegExp = function RegExp(pattern, flags) {
          var p = isRegExp(pattern) ? pattern : patternSource(pattern, "RegExp");
          return this instanceof BoundedRegExp ? new OriginalRegExp(p, flags) : OriginalRegExp(p, flags);
        };
        Object.defineProperty(BoundedRegExp, "prototype", {value: OriginalRegExp.prototype, writable: false});
        Object.getOwnPropertyNames(OriginalRegExp).forEach(function (name) {
          if (/^(\\$.|input|multiline|lastMatch|lastParen|leftContext|rightContext)$/.test(name))
            Object.defineProperty(BoundedRegExp, name, {
              get: function () { return OriginalRegExp[name]; }, configurable: false, enumerable: false
            });
        });
        Object.defineProperty(BoundedRegExp, Symbol.species, {
          get: function () { return this; }, configurable: false, enumerable: false
        });
        defineBounded(OriginalRegExp.prototype, "constructor", BoundedRegExp);
        defineBounded(global, "RegExp", BoundedRegExp);
        // Rhino's RegExp.prototype is a RegExp and its Date.prototype a Date (as ES5 had them): their
        // pattern and time are inner state, which sealing does not guard, shared by every call.
        // RegExp.prototype.compile("…") or Date.prototype.setTime(…) in one call was read by the
        // next, in any room. The built-ins that change that state refuse the shared prototypes.
        function sharedPrototype(name, what) {
          return new TypeError(name + ": " + what + " is shared by every script and cannot be changed");
        }
        var DatePrototype = Date.prototype;
        Object.getOwnPropertyNames(DatePrototype).forEach(function (name) {
          var original = DatePrototype[name];
          if (name.slice(0, 3) !== "set" || typeof original !== "function") return;
          defineBounded(DatePrototype, name, function () {
            if (this === DatePrototype) throw sharedPrototype(name, "Date.prototype");
            return realApply.call(original, this, arguments);
          });
        });
        var originalCompile = OriginalRegExp.prototype.compile;
        if (typeof originalCompile === "function")
          defineBounded(OriginalRegExp.prototype, "compile", function (pattern, flags) {
            if (this === OriginalRegExp.prototype) throw sharedPrototype("compile", "RegExp.prototype");
            var p = isRegExp(pattern) ? pattern : patternSource(pattern, "compile");
            return originalCompile.call(this, p, flags);
          });
        // A pattern given as anything but a RegExp is compiled from its string: made here, once.
        function patternArgument(pattern, name) {
          return isRegExp(pattern) || pattern === undefined || pattern === null ? pattern : patternSource(pattern, name);
        }
        // (match, guarded above, does the same.)
        ["matchAll", "search"].forEach(function (name) {
          var original = String.prototype[name];
          defineBounded(String.prototype, name, function (pattern) {
            return original.call(this, patternArgument(pattern, name));
          });
        });
        // JSON.stringify, like join, is one Java call that builds its whole answer: an array of 200
        // strings of 1 Mi characters makes one of 200 Mi at once. This one walks the value as the
        // built-in does (toJSON, a replacer function or list, the indent, boxed values, cycles),
        // counts every character it will write, and refuses an answer over the bound before making
        // it; only single strings go to the built-in, to be quoted.
        var nativeStringify = JSON.stringify;
        function boundedStringify(value, replacer, space) {
          var used = 0, stack = [], replacerFunction, keyList, gap = "";
          function add(n) {
            used += n;
            if (used > max) throw new RangeError("JSON.stringify: the string would be longer than " + max + " characters");
          }
          function quote(text) {
            add(text.length + 2);
            var quoted = nativeStringify(text);
            add(quoted.length - text.length - 2);
            return quoted;
          }
          if (typeof replacer === "function") {
            replacerFunction = replacer;
          } else if (Array.isArray(replacer)) {
            keyList = [];
            for (var r = 0; r < replacer.length; r++) {
              var item = replacer[r], kind = Object.prototype.toString.call(item), key;
              if (typeof item === "string" || typeof item === "number" || kind === "[object String]" || kind === "[object Number]") {
                key = String(item);
                if (keyList.indexOf(key) < 0) keyList.push(key);
              }
            }
          }
          var spaceKind = Object.prototype.toString.call(space);
          if (typeof space === "object" && space !== null) {
            if (spaceKind === "[object Number]") space = Number(space);
            else if (spaceKind === "[object String]") space = String(space);
          }
          if (typeof space === "number") {
            var width = Math.min(10, Math.floor(space));
            gap = width >= 1 ? "          ".slice(0, width) : "";
          } else if (typeof space === "string") {
            gap = space.slice(0, 10);
          }
          function serialize(holder, key, indent) {
            var v = holder[key];
            if (v !== null && typeof v === "object" && typeof v.toJSON === "function") v = v.toJSON(key);
            if (replacerFunction) v = replacerFunction.call(holder, key, v);
            if (v !== null && typeof v === "object") {
              var kind = Object.prototype.toString.call(v);
              if (kind === "[object Number]") v = Number(v);
              else if (kind === "[object String]") v = String(v);
              else if (kind === "[object Boolean]") v = Boolean.prototype.valueOf.call(v);
            }
            if (v === null) { add(4); return "null"; }
            if (v === true) { add(4); return "true"; }
            if (v === false) { add(5); return "false"; }
            if (typeof v === "string") return quote(v);
            if (typeof v === "number") {
              var n = isFinite(v) ? String(v) : "null";
              add(n.length);
              return n;
            }
            if (typeof v !== "object") return undefined;
            if (stack.indexOf(v) >= 0) throw new TypeError("JSON.stringify: the value refers to itself (a cycle)");
            stack.push(v);
            var inner = indent + gap, parts = [], open, close;
            if (Array.isArray(v)) {
              open = "["; close = "]";
              for (var i = 0, length = v.length; i < length; i++) {
                var element = serialize(v, String(i), inner);
                if (element === undefined) { add(4); element = "null"; }
                parts.push(element);
              }
            } else {
              open = "{"; close = "}";
              var keys = keyList || Object.keys(v);
              for (var k = 0; k < keys.length; k++) {
                var before = used, name = quote(keys[k]);
                add(gap === "" ? 1 : 2);
                var member = serialize(v, keys[k], inner);
                if (member === undefined) { used = before; continue; }
                parts.push(name + (gap === "" ? ":" : ": ") + member);
              }
            }
            stack.pop();
            if (parts.length === 0) { add(2); return open + close; }
            if (gap === "") {
              add(2 + parts.length - 1);
              return open + originalJoin.call(parts, ",") + close;
            }
            add(2 + parts.length * (1 + inner.length) + (parts.length - 1) + 1 + indent.length);
            return open + "\\n" + inner + originalJoin.call(parts, ",\\n" + inner) + "\\n" + indent + close;
          }
          return serialize({"": value}, "", "");
        }
        Object.defineProperty(JSON, "stringify", {
          value: boundedStringify, writable: false, configurable: false, enumerable: false
        });
        // JSON.parse is one call too, making an object for every few characters of its text: a text
        // of 4 Mi characters is over a million objects the instruction count cannot interrupt.
        var nativeParse = JSON.parse;
        Object.defineProperty(JSON, "parse", {
          value: function parse(text, reviver) {
            var s = String(text);
            if (s.length > max) throw new RangeError("JSON.parse: the text is longer than " + max + " characters");
            return arguments.length > 1 ? nativeParse(s, reviver) : nativeParse(s);
          },
          writable: false, configurable: false, enumerable: false
        });
        // Code compiled at run time would not have its concatenations checked: no eval, no
        // Function constructor (reachable as Function and as any function's constructor).
        function refuse() {
          throw new EvalError("code cannot be compiled at run time in a transformationFunction");
        }
        var realFunction = Function;
        Object.defineProperty(refuse, "prototype", {value: realFunction.prototype, writable: false});
        Object.defineProperty(realFunction.prototype, "constructor", {
          value: refuse, writable: false, configurable: false, enumerable: false
        });
        Object.defineProperty(global, "Function", {
          value: refuse, writable: false, configurable: false, enumerable: false
        });
        // The registry of Symbol.for is the call's own, however the built-in is reached (see
        // OwnSymbolRegistry).
        defineBounded(Symbol, "for", symbolFor);
        defineBounded(Symbol, "keyFor", symbolKeyFor);
      })
      """;

  /** Binary buffers, taken out of the scope (see {@link #SHARED}). */
  private static final List<String> TYPED_ARRAYS =
      List.of(
          "ArrayBuffer",
          "DataView",
          "Int8Array",
          "Uint8Array",
          "Uint8ClampedArray",
          "Int16Array",
          "Uint16Array",
          "Int32Array",
          "Uint32Array",
          "Float32Array",
          "Float64Array",
          "BigInt64Array",
          "BigUint64Array");

  private static final Sandbox SANDBOX = new Sandbox();
  private static final ScriptableObject SHARED =
      SANDBOX.call(
          cx -> {
            ScriptableObject scope = cx.initSafeStandardObjects(null, true);
            // Nothing may reach outside or run later: these are not in the safe objects, but make
            // sure.
            for (String name : List.of("Packages", "java", "javax", "load", "JavaAdapter"))
              scope.delete(name);
            // Code compiled at run time escapes the check of concatenations (see
            // boundConcatenations); Function is replaced below.
            for (String name : List.of("eval", "Script")) scope.delete(name);
            // A buffer of any size in one call (new ArrayBuffer(2e9)): out of reach of the
            // instruction count; webhook scripts shape JSON and need no binary buffers.
            for (String name : TYPED_ARRAYS) scope.delete(name);
            // As BigInt literals (see refuseBigInts): BigInt("9".repeat(1e6)), BigInt.asUintN(1e9,
            // -1n) and the operators on what they make ask for any size in one call.
            scope.delete("BigInt");
            BoundCheck check = new BoundCheck();
            check.setParentScope(scope);
            check.setPrototype(ScriptableObject.getFunctionPrototype(scope));
            Scriptable symbol = (Scriptable) ScriptableObject.getProperty(scope, "Symbol");
            OwnSymbolRegistry symbolFor = new OwnSymbolRegistry(symbol, "for", scope);
            OwnSymbolRegistry symbolKeyFor = new OwnSymbolRegistry(symbol, "keyFor", scope);
            ((org.mozilla.javascript.Function)
                    cx.evaluateString(scope, BOUNDED_BUILT_INS, "sandbox", 1, null))
                .call(
                    cx,
                    scope,
                    scope,
                    new Object[] {
                      MAX_BUILT_STRING,
                      MAX_BUILT_ELEMENTS,
                      MAX_CONCATENATED,
                      scope,
                      check,
                      BOUND_CHECK,
                      new IsProxy(),
                      new IsRegExp(),
                      MAX_SCRIPT_CHARS,
                      symbolFor,
                      symbolKeyFor,
                      MAX_COMPARED_CHARS,
                      new CountCall(),
                      CALL_COUNT,
                      new IsCode(),
                      new OwnCount(),
                      new OwnIds()
                    });
            sealAll(cx, scope);
            return scope;
          });

  /**
   * Every object a script can reach from the global scope, found as a script would find them:
   * prototypes, and the values, getters and setters of own properties (non-enumerable and
   * symbol-keyed ones too).
   */
  private static final String REACHABLE =
      """
      (function (global) {
        var seen = new Set(), todo = [global];
        function visit(v) { if ((typeof v === "object" || typeof v === "function") && v !== null) todo.push(v); }
        while (todo.length > 0) {
          var o = todo.pop();
          if (seen.has(o)) continue;
          seen.add(o);
          try {
            visit(Object.getPrototypeOf(o));
            var keys = Object.getOwnPropertyNames(o).concat(Object.getOwnPropertySymbols(o));
            for (var i = 0; i < keys.length; i++) {
              var d = Object.getOwnPropertyDescriptor(o, keys[i]);
              if (d) { visit(d.value); visit(d.get); visit(d.set); }
            }
          } catch (e) {
            // An object whose properties cannot be listed is still sealed below.
          }
        }
        return Array.from(seen);
      })(this);
      """;

  /**
   * Seals {@code scope} and every object reachable from it. {@code initSafeStandardObjects(scope,
   * true)} leaves many unsealed: what the sandbox makes after it (the guarded built-ins above and
   * each one's {@code prototype}), and Rhino's newer built-ins ({@code Promise.prototype}, {@code
   * Symbol.prototype}, {@code Map.groupBy}, accessor functions). A script could hang data on any of
   * them for every later call of every hook, in any room, to read. Each is also made
   * non-extensible, so no script can give it a prototype of its own (a Proxy, to see every later
   * script's lookups miss on it, with that script's data). Reading a lazily loaded constructor
   * makes it, so walks repeat until one finds nothing new to seal.
   */
  private static void sealAll(Context cx, ScriptableObject scope) {
    for (int pass = 0; ; pass++) {
      if (pass == 10) throw new IllegalStateException("the built-ins keep growing while sealed");
      boolean sealedAny = false;
      for (Object o : (NativeArray) cx.evaluateString(scope, REACHABLE, "sandbox", 1, null)) {
        if (o instanceof ScriptableObject object && (!object.isSealed() || object.isExtensible())) {
          object.sealObject();
          // Sealing keeps properties from being added, changed or removed, not the prototype from
          // being replaced: Rhino's Object.setPrototypeOf and __proto__ check only extensibility.
          object.preventExtensions();
          sealedAny = true;
        }
      }
      if (!sealedAny) return;
    }
  }

  private final Script script;

  private Transformation(Script script) {
    this.script = script;
  }

  /** Compiles {@code source}; a syntax error is BadInput naming the field, with Rhino's message. */
  static Transformation compile(String source) {
    Compiled compiled = tryCompile(source);
    if (compiled.error().isPresent())
      throw new BadInput("transformationFunction", compiled.error().get().sentence());
    return compiled.script().orElseThrow();
  }

  /**
   * Compiles {@code source}, saying what is wrong with it instead of throwing: room state keeps a
   * hook whose script does not compile, as hookshot does. A script over {@link #MAX_SCRIPT_CHARS}
   * is still BadInput.
   */
  static Compiled tryCompile(String source) {
    BadInput.check(
        source.length() <= MAX_SCRIPT_CHARS,
        "transformationFunction",
        "must be at most %d characters, was %d",
        MAX_SCRIPT_CHARS,
        source.length());
    try {
      // Run as the body of a function, as hookshot does (`(() => { <script> })()`): a top-level
      // `return` ends the script. The opening stays on the first line, so line numbers hold.
      String wrapped = "(function () {" + source + "\n})();";
      Script script =
          SANDBOX.call(
              cx -> {
                // Compiled as Rhino compiles it first, so errors are Rhino's.
                cx.compileString(wrapped, SOURCE_NAME, 1, null);
                return compileBounded(cx, wrapped);
              });
      return new Compiled(Optional.of(new Transformation(script)), Optional.empty());
    } catch (RhinoException e) {
      // EvaluatorException for most errors; EcmaError for a regular expression literal Rhino cannot
      // compile (a named group). An error found at the wrapper's closing line is one at the end of
      // the script.
      int lastLine = (int) source.chars().filter(c -> c == '\n').count() + 1;
      return new Compiled(
          Optional.empty(),
          Optional.of(new CompileError(e.details(), Math.min(e.lineNumber(), lastLine))));
    }
  }

  /**
   * Compiles {@code source} with every string concatenation checked against {@link
   * #MAX_CONCATENATED}: each sum that is not itself part of a sum ({@code +}, {@code +=}, template
   * literals) becomes {@code "".check(a + b)} in the compiled tree, which returns its argument. A
   * compound assignment to a property or element ({@code o.p += s}) computes its sum on the stack,
   * so the assignment is wrapped as a whole (its value is the sum). Each operand is still evaluated
   * once, in order, and lines keep their numbers.
   */
  private static Script compileBounded(Context cx, String source) {
    CompilerEnvirons env = new CompilerEnvirons();
    env.initFromContext(cx);
    // Rhino's interpreter runs `return f()` as a tail call when it generates no debug info: the
    // frame is reused, the stack never deepens and no instructions are counted, so
    // `function f() { return f(); }` would run past the time limit, forever. With debug info it is
    // an ordinary call, bounded by the stack depth and the instruction observer.
    env.setGenerateDebugInfo(true);
    ErrorReporter reporter = env.getErrorReporter();
    AstRoot ast = new Parser(env, reporter).parse(source, SOURCE_NAME, 1);
    ScriptNode tree = new IRFactory(env, SOURCE_NAME, source, reporter).transformTree(ast);
    if (env.isGeneratingSource()) {
      tree.setRawSource(source);
      tree.setRawSourceBounds(0, source.length());
    }
    refuseBigInts(tree, 1);
    boundConcatenations(tree);
    countCalls(tree);
    Interpreter interpreter = new Interpreter();
    return interpreter.createScriptObject(interpreter.compile(env, tree, source, false), null);
  }

  /**
   * A BigInt literal is a compile error. One operator on BigInts is one instruction, and makes its
   * whole result at once: {@code 2n ** 1500000000n} asked for some 190 MB in one Java call, which
   * no instruction count interrupts and which ended the process (out of heap, with {@code
   * -XX:+ExitOnOutOfMemoryError}). Without literals and without the {@code BigInt} global (taken
   * out of the scope) no BigInt can be made.
   */
  private static void refuseBigInts(Node parent, int line) {
    int at = parent.getLineno() > 0 ? parent.getLineno() : line;
    if (parent.getType() == Token.BIGINT)
      throw new EvaluatorException(BIGINT_REFUSED, SOURCE_NAME, at);
    // A function's body is not among its script's children.
    if (parent instanceof ScriptNode script)
      for (int i = 0; i < script.getFunctionCount(); i++)
        refuseBigInts(script.getFunctionNode(i), at);
    for (Node child = parent.getFirstChild(); child != null; child = child.getNext())
      refuseBigInts(child, at);
  }

  static final String BIGINT_REFUSED =
      "BigInt (as 10n) is not supported in a transformationFunction: one operation on BigInts can"
          + " ask for more memory than the bot has";

  private static void boundConcatenations(Node parent) {
    // A function's body is not among its script's children.
    if (parent instanceof ScriptNode script)
      for (int i = 0; i < script.getFunctionCount(); i++)
        boundConcatenations(script.getFunctionNode(i));
    for (Node child = parent.getFirstChild(); child != null; ) {
      Node next = child.getNext();
      boundConcatenations(child);
      // In a chain (a + b + c) only the outermost sum is checked: every inner one is part of it,
      // and nothing reads an inner one before the outer is made.
      if (isConcatenation(child) && !usesStack(child) && !isConcatenation(parent))
        wrap(parent, child);
      else if (hasChild(child, c -> isConcatenation(c) && usesStack(c))) wrap(parent, child);
      child = next;
    }
  }

  /**
   * Makes every function of the script count its call ({@code "".__grappleCountedCall()} as its
   * first statement) as {@value #COUNTED_PER_CALL} instructions, and so read the clock and the
   * memory bound every few calls. Rhino counts a function's instructions only at a branch: one
   * without a loop or an {@code if} ({@code function (x, i) { return i; }}) counts none, and a
   * built-in that calls it from Java ({@code Array.from({length: 1 << 20}, f)}, {@code map}, a
   * {@code JSON.parse} reviver, a getter) ran a million calls of it uninterrupted, seconds past the
   * limit.
   */
  private static void countCalls(ScriptNode script) {
    for (int i = 0; i < script.getFunctionCount(); i++) {
      FunctionNode function = script.getFunctionNode(i);
      countCalls(function);
      Node body = function.getLastChild();
      if (body == null || body.getType() != Token.BLOCK)
        throw new IllegalStateException("a function without a body: " + function.getName());
      Node count = new Node(Token.GETPROP, Node.newString(""), Node.newString(CALL_COUNT));
      body.addChildToFront(new Node(Token.EXPR_VOID, new Node(Token.CALL, count)));
    }
  }

  private static boolean isConcatenation(Node node) {
    return node.getType() == Token.ADD;
  }

  private static boolean usesStack(Node node) {
    return hasChild(node, c -> c.getType() == Token.USE_STACK);
  }

  private static boolean hasChild(Node node, java.util.function.Predicate<Node> test) {
    for (Node c = node.getFirstChild(); c != null; c = c.getNext()) if (test.test(c)) return true;
    return false;
  }

  private static void wrap(Node parent, Node child) {
    Node check = new Node(Token.GETPROP, Node.newString(""), Node.newString(BOUND_CHECK));
    Node call = new Node(Token.CALL, check);
    call.setLineColumnNumber(child.getLineno(), child.getColumn());
    parent.replaceChild(child, call);
    call.addChildToBack(child);
  }

  /**
   * The check {@link #boundConcatenations} puts around a sum: a Java function, so the call costs no
   * interpreted frame (it runs once for every chain of {@code +} a script evaluates).
   */
  private static final class BoundCheck extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public @Nullable Object call(
        Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      Object value = args.length > 0 ? args[0] : Undefined.instance;
      if (value instanceof CharSequence s && s.length() > MAX_CONCATENATED) {
        throw ScriptRuntime.rangeError(
            "+: the string would be longer than " + MAX_CONCATENATED + " characters");
      }
      return value;
    }
  }

  /**
   * Whether a value is a {@code Proxy}, whose traps run the script's code whenever a built-in reads
   * it: the sandbox cannot tell that in JavaScript. Passed to the sandbox's own code only.
   */
  private static final class IsProxy extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return args.length > 0
          && args[0] != null
          && args[0].getClass().getName().equals("org.mozilla.javascript.NativeProxy");
    }
  }

  /**
   * {@code Symbol.for} or {@code Symbol.keyFor} on the registry of the call's own global scope.
   * Rhino keeps that registry on the top-level scope of whoever calls the built-in, and a built-in
   * called from the sandbox's guards (a callback: {@code keys.map(Symbol.for)}, {@code
   * Reflect.apply(Symbol.for, …)}) has the shared built-ins' scope: its registry outlived the call,
   * so every call could add to it for good (until the heap ran out), from many threads at once (a
   * plain HashMap), and it was not the registry the script's direct calls used.
   */
  private static final class OwnSymbolRegistry extends BaseFunction {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final org.mozilla.javascript.Function builtIn;

    OwnSymbolRegistry(Scriptable symbol, String name, ScriptableObject scope) {
      this.name = name;
      this.builtIn = (org.mozilla.javascript.Function) ScriptableObject.getProperty(symbol, name);
      setParentScope(scope);
      setPrototype(ScriptableObject.getFunctionPrototype(scope));
    }

    @Override
    public @Nullable Object call(
        Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      Scriptable own = cx.getThreadLocal(Sandbox.SCOPE) instanceof Scriptable s ? s : scope;
      return builtIn.call(cx, own, thisObj, args);
    }

    @Override
    public Scriptable construct(Context cx, Scriptable scope, @Nullable Object[] args) {
      throw ScriptRuntime.typeErrorById("msg.not.ctor", "Symbol." + name);
    }

    @Override
    public String getFunctionName() {
      return name;
    }

    @Override
    public int getLength() {
      return 1;
    }

    @Override
    public int getArity() {
      return 1;
    }
  }

  /**
   * Counts a call of a callback that a built-in makes from Java, and each call of a function of the
   * script's (see {@link #countCalls}), as {@value #COUNTED_PER_CALL} instructions: Rhino counts
   * none for a function without a loop or branch, so a sort's comparisons (millions in one call)
   * would otherwise never reach the clock's check.
   */
  private static final class CountCall extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      if (cx.getInstructionObserverThreshold() > 0)
        ScriptRuntime.addInstructionCount(cx, COUNTED_PER_CALL);
      return Undefined.instance;
    }
  }

  /** What one counted callback costs, in instructions (a call's own few, and the callee's). */
  private static final int COUNTED_PER_CALL = 10;

  /**
   * Whether a value is a function written in JavaScript (the script's or the sandbox's), not one of
   * Rhino's built-ins in Java. Passed to the sandbox's own code only.
   */
  private static final class IsCode extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return args.length > 0 && args[0] instanceof NativeFunction;
    }
  }

  /**
   * How many own properties an object has at most, without listing them: an array's length (its
   * elements; named properties an array has are not counted), any other object's count of
   * properties. Passed to the sandbox's own code only.
   */
  private static final class OwnCount extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      Object o = args.length > 0 ? args[0] : null;
      if (o instanceof NativeArray a) return (double) a.getLength();
      return o instanceof ScriptableObject s ? (double) s.size() : 0.0;
    }
  }

  /**
   * The keys of an object's own properties (all of them, or the enumerable ones) as Rhino's
   * built-ins list them, in their order, without symbols: an index as a number, a name as a string.
   * One Java call that makes neither strings nor objects of them. Passed to the sandbox's own code
   * only.
   */
  private static final class OwnIds extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      if (args.length == 0 || !(args[0] instanceof Scriptable o)) return cx.newArray(scope, 0);
      boolean all = args.length > 1 && Context.toBoolean(args[1]);
      Object[] ids = all && o instanceof ScriptableObject s ? s.getAllIds() : o.getIds();
      return cx.newArray(scope, ids);
    }
  }

  /** Whether a value is a RegExp made by the built-in constructor or a literal. */
  private static final class IsRegExp extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return args.length > 0 && args[0] instanceof org.mozilla.javascript.regexp.NativeRegExp;
    }
  }

  /** A script compiled, or why it does not compile (exactly one of the two). */
  record Compiled(Optional<Transformation> script, Optional<CompileError> error) {}

  /** Why a script does not compile: Rhino's message and the line it points at. */
  record CompileError(String message, int line) {
    /** For a refusal (commands, the API): names the rule and where. */
    String sentence() {
      return "Could not compile transformation function: "
          + message
          + " (line "
          + line
          + " of 'transformationFunction')";
    }

    /** As hookshot shows it: the error as an object, {@code JSON.stringify(e, null, 2)}. */
    String json() {
      ObjectNode error = Json.object().put("name", "SyntaxError").put("message", message);
      error.put("line", line);
      return WebhookMessage.pretty(error);
    }
  }

  /** What a script made of the data: nothing ({@code empty}), or a message and maybe an answer. */
  record Result(
      boolean empty,
      String plain,
      Optional<String> html,
      Optional<String> msgtype,
      Optional<ObjectNode> mentions,
      Optional<WebhookResponse> webhookResponse) {}

  /** The HTTP answer a script chose for a waiting sender. */
  record WebhookResponse(String body, Optional<String> contentType, Optional<Integer> statusCode) {}

  /** A script that threw, ran too long, or returned what hookshot refuses; the message says why. */
  static final class Failed extends CheckedMessageException {
    private static final long serialVersionUID = 1L;

    Failed(String message) {
      super(message);
    }
  }

  /**
   * What one call may spend: {@code time} (on {@code clock}, in nanoseconds as {@link
   * System#nanoTime}, read every {@value #CHECK_EVERY} instructions) and {@code allocatedBytes},
   * the bytes the calling thread allocates meanwhile (checked as often; garbage counts too, so it
   * bounds the work a call makes the collector do). Tests pass a clock that advances at each read,
   * so that a call's time is the work it counts, whatever the machine's speed.
   */
  record Limits(Duration time, long allocatedBytes, LongSupplier clock) {
    Limits {
      if (time.isNegative() || time.isZero())
        throw new IllegalArgumentException("time must be positive, was " + time);
      if (allocatedBytes <= 0)
        throw new IllegalArgumentException(
            "allocatedBytes must be positive, was " + allocatedBytes);
    }

    /** Limits on the wall clock. */
    Limits(Duration time, long allocatedBytes) {
      this(time, allocatedBytes, System::nanoTime);
    }
  }

  /** When a call's time is up, on its limits' clock. */
  private record Deadline(LongSupplier clock, long at) {
    boolean passed() {
      return clock.getAsLong() - at > 0;
    }
  }

  /** Thrown by the instruction observer; scripts cannot catch an Error. */
  private static final class TimeUp extends Error {
    private static final long serialVersionUID = 1L;

    TimeUp() {
      super("time limit", null, false, false);
    }
  }

  /** Thrown by the instruction observer once a call allocated more than its bound. */
  private static final class MemoryUp extends Error {
    private static final long serialVersionUID = 1L;

    MemoryUp() {
      super("memory limit", null, false, false);
    }
  }

  /** Runs the script on {@code data} within {@code limits}. */
  Result run(JsonNode data, Limits limits) throws Failed {
    Duration limit = limits.time();
    try {
      // The result is read inside the call, under its limits: reading it may run the script's own
      // code (a getter, a Proxy), as hookshot's JSON copy of it does.
      Object outcome =
          SANDBOX.call(
              cx -> {
                Scriptable scope = cx.newObject(SHARED);
                scope.setPrototype(SHARED);
                scope.setParentScope(null);
                Object jsData;
                try {
                  jsData = new JsonParser(cx, scope).parseValue(Json.write(data));
                } catch (JsonParser.ParseException e) {
                  throw new IllegalStateException("Jackson wrote JSON Rhino cannot read", e);
                }
                ScriptableObject.putProperty(scope, "data", jsData);
                ScriptableObject.putProperty(scope, "HookshotApiVersion", "v2");
                cx.putThreadLocal(Sandbox.SCOPE, scope);
                // The limits are the script's own: turning the body (at most
                // generic.payloadSizeLimit) into JavaScript is linear in it and not counted.
                LongSupplier clock = limits.clock();
                cx.putThreadLocal(
                    Sandbox.DEADLINE, new Deadline(clock, clock.getAsLong() + limit.toNanos()));
                cx.putThreadLocal(
                    Sandbox.ALLOCATION_LIMIT, Sandbox.allocated() + limits.allocatedBytes());
                script.exec(cx, scope);
                try {
                  return interpret(ScriptableObject.getProperty(scope, "result"));
                } catch (Failed e) {
                  return e;
                }
              });
      if (outcome instanceof Failed e) throw e;
      return (Result) outcome;
    } catch (TimeUp e) {
      throw new Failed(
          "Transformation failed to run: it took longer than " + limit.toMillis() + " ms");
    } catch (MemoryUp e) {
      throw new Failed(
          "Transformation failed to run: it allocated more than "
              + limits.allocatedBytes() / (1024 * 1024)
              + " MiB");
    } catch (RhinoException e) {
      throw new Failed("Transformation failed to run: " + describe(e));
    } catch (StackOverflowError e) {
      throw new Failed("Transformation failed to run: it recursed too deeply");
    } catch (RuntimeException e) {
      throw new Failed("Transformation failed to run: " + e.getClass().getSimpleName());
    }
  }

  private static String describe(RhinoException e) {
    String details = e.details();
    if (details.length() > 500) {
      // At a character's end: half an emoji would show as a broken character in the room.
      details = Texts.prefix(details, 500) + "…";
    }
    // An error thrown by the sandbox's own code (a guarded built-in) is reported at the script's
    // line that called it, not at a line of the sandbox.
    int line = SOURCE_NAME.equals(e.sourceName()) ? e.lineNumber() : 0;
    for (ScriptStackElement frame : e.getScriptStack()) {
      if (line > 0) break;
      if (SOURCE_NAME.equals(frame.fileName)) line = frame.lineNumber;
    }
    return details + (line > 0 ? " (line " + line + ")" : "");
  }

  /** Hookshot's reading of {@code result}. */
  private static Result interpret(@Nullable Object result) throws Failed {
    if (result instanceof CharSequence s) {
      return message("Received webhook: " + bounded(s, "result"));
    }
    if (!(result instanceof Scriptable object) || result instanceof Undefined) {
      if (result == null) throw noVersion(); // typeof null is "object"
      return message("No content");
    }
    if (!"v2".equals(string(object, "version"))) throw noVersion();
    Object empty = ScriptableObject.getProperty(object, "empty");
    if (empty != Scriptable.NOT_FOUND && Context.toBoolean(empty)) {
      return new Result(
          true, "", Optional.empty(), Optional.empty(), Optional.empty(), response(object));
    }
    Object plain = ScriptableObject.getProperty(object, "plain");
    if (!(plain instanceof CharSequence p))
      throw new Failed(
          "Result returned from transformation didn't provide a string value for plain");
    return new Result(
        false,
        bounded(p, "plain"),
        optionalString(object, "html"),
        optionalString(object, "msgtype"),
        mentions(object),
        response(object));
  }

  private static Result message(String plain) {
    return new Result(
        false, plain, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static Failed noVersion() {
    return new Failed("Result returned from transformation didn't specify version = v2");
  }

  private static @Nullable String string(Scriptable object, String key) {
    Object v = ScriptableObject.getProperty(object, key);
    return v instanceof CharSequence s && s.length() <= MAX_OUTPUT_CHARS ? s.toString() : null;
  }

  private static Optional<String> optionalString(Scriptable object, String key) throws Failed {
    Object v = ScriptableObject.getProperty(object, key);
    if (v == Scriptable.NOT_FOUND || v instanceof Undefined) return Optional.empty();
    if (!(v instanceof CharSequence s))
      throw new Failed(
          "Result returned from transformation didn't provide a string value for " + key);
    return Optional.of(bounded(s, key));
  }

  private static String bounded(CharSequence s, String key) throws Failed {
    if (s.length() > MAX_OUTPUT_CHARS)
      throw new Failed(
          "Result returned from transformation has a "
              + key
              + " longer than "
              + MAX_OUTPUT_CHARS
              + " characters ("
              + s.length()
              + ")");
    return s.toString();
  }

  /**
   * Hookshot reads {@code mentions} and {@code webhookResponse} only when truthy: {@code null},
   * {@code false}, {@code 0} or {@code ""} there is no such field.
   */
  private static boolean absent(Object v) {
    return v == Scriptable.NOT_FOUND || !Context.toBoolean(v);
  }

  private static Optional<ObjectNode> mentions(Scriptable object) throws Failed {
    Object v = ScriptableObject.getProperty(object, "mentions");
    if (absent(v)) return Optional.empty();
    if (!(v instanceof Scriptable m) || v instanceof NativeArray)
      throw new Failed("Result returned from transformation didn't provide an object for mentions");
    ObjectNode out = Json.object();
    Object room = ScriptableObject.getProperty(m, "room");
    if (room != Scriptable.NOT_FOUND && !(room instanceof Undefined)) {
      if (!(room instanceof Boolean b))
        throw new Failed(
            "Result returned from transformation provided an invalid mentions.room: it must be"
                + " true or false");
      out.put("room", b);
    }
    Object ids = ScriptableObject.getProperty(m, "user_ids");
    if (ids != Scriptable.NOT_FOUND && !(ids instanceof Undefined)) {
      if (!(ids instanceof NativeArray array) || array.getLength() > 100)
        throw new Failed(
            "Result returned from transformation provided an invalid mentions.user_ids: it must be"
                + " a list of at most 100 user ids");
      ArrayNode list = out.putArray("user_ids");
      for (Object id : array) {
        if (!(id instanceof CharSequence s) || s.length() > 255)
          throw new Failed(
              "Result returned from transformation provided an invalid mentions.user_ids: each"
                  + " entry must be a user id (a string of at most 255 characters)");
        list.add(s.toString());
      }
    }
    return Optional.of(out);
  }

  private static final int MAX_HEADER_CHARS = 255;

  /** Printable ASCII (and spaces) only: a line break would start a header of the script's own. */
  private static boolean isHeaderValue(String s) {
    return s.length() <= MAX_HEADER_CHARS && s.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f);
  }

  private static Optional<WebhookResponse> response(Scriptable object) throws Failed {
    Object v = ScriptableObject.getProperty(object, "webhookResponse");
    if (absent(v)) return Optional.empty();
    if (!(v instanceof Scriptable r))
      throw new Failed(
          "Result returned from transformation didn't provide an object for webhookResponse");
    Object body = ScriptableObject.getProperty(r, "body");
    if (!(body instanceof CharSequence b))
      throw new Failed(
          "Result returned from transformation didn't provide a string value for"
              + " webhookResponse.body");
    Optional<String> contentType = optionalString(r, "contentType");
    if (contentType.isPresent() && !isHeaderValue(contentType.get()))
      throw new Failed(
          "Result returned from transformation provided an invalid webhookResponse.contentType:"
              + " it is sent as a header, so it must be at most "
              + MAX_HEADER_CHARS
              + " printable ASCII characters, without line breaks or other control characters");
    Object status = ScriptableObject.getProperty(r, "statusCode");
    Optional<Integer> statusCode = Optional.empty();
    if (status != Scriptable.NOT_FOUND && !(status instanceof Undefined)) {
      if (!(status instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.intValue() < 200
          || n.intValue() > 599)
        throw new Failed(
            "Result returned from transformation didn't provide a status code between 200 and 599"
                + " for webhookResponse.statusCode");
      statusCode = Optional.of(n.intValue());
    }
    return Optional.of(
        new WebhookResponse(bounded(b, "webhookResponse.body"), contentType, statusCode));
  }

  /** Contexts that interpret (so the instruction counter and stack limit work) and see no Java. */
  private static final class Sandbox extends ContextFactory {
    static final Object DEADLINE = new Object();
    static final Object ALLOCATION_LIMIT = new Object();

    /** The call's own global scope (see {@link OwnSymbolRegistry}). */
    static final Object SCOPE = new Object();

    /** Counts what each thread allocates; HotSpot has it on by default. */
    private static final @Nullable ThreadMXBean THREADS = threads();

    private static @Nullable ThreadMXBean threads() {
      if (!(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean t)) return null;
      if (!t.isThreadAllocatedMemorySupported()) return null;
      if (!t.isThreadAllocatedMemoryEnabled()) t.setThreadAllocatedMemoryEnabled(true);
      return t;
    }

    /** Bytes this thread has allocated so far (0 on a JVM that does not count them). */
    static long allocated() {
      ThreadMXBean t = THREADS;
      return t == null ? 0 : t.getCurrentThreadAllocatedBytes();
    }

    private static final ClassShutter NO_JAVA = className -> false;

    @Override
    protected Context makeContext() {
      Context cx = super.makeContext();
      cx.setLanguageVersion(Context.VERSION_ECMASCRIPT);
      cx.setInterpretedMode(true);
      cx.setInstructionObserverThreshold(CHECK_EVERY);
      cx.setMaximumInterpreterStackDepth(MAX_STACK_DEPTH);
      cx.setClassShutter(NO_JAVA);
      cx.setGeneratingDebug(false);
      return cx;
    }

    @Override
    protected void observeInstructionCount(Context cx, int instructionCount) {
      // Memory first: a call over both limits has usually run long because it allocated.
      Object allocationLimit = cx.getThreadLocal(ALLOCATION_LIMIT);
      if (allocationLimit instanceof Long max && THREADS != null && allocated() > max)
        throw new MemoryUp();
      Object deadline = cx.getThreadLocal(DEADLINE);
      if (deadline instanceof Deadline d && d.passed()) throw new TimeUp();
    }
  }
}
