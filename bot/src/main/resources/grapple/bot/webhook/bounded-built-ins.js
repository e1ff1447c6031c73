(function (max, maxElements, maxConcatenated, global, boundCheck, boundCheckName, isProxy,
         isRegExp, maxPattern, symbolFor, symbolKeyFor, maxCompared, countCall, countCallName,
         isCode, ownCount, ownIds, search, charsPerInstruction, bytesLeft,
         jsonParseBytes) {
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
  // A search for one string in another (indexOf, lastIndexOf, includes, and split and replace
  // by a string) is one Java call comparing up to (length × searched length) characters: 'a' ×
  // 1 Mi searched for 'a' × 256 Ki + 'b' ran 25 s, past any limit. Past maxSearched such
  // comparisons the search is search's: linear in the two lengths, its steps counted as
  // instructions. (A global replace by a string is a RegExp's, whose steps Rhino counts.)
  var maxSearched = 1 << 24;
  function costly(s, t) {
    return (s.length - t.length + 1) * t.length > maxSearched;
  }
  // What a built-in that takes a string turns a non-RegExp argument into, once: a string, or
  // null for an object with a method of its own for the call (Symbol.split, Symbol.replace),
  // which the built-in calls instead.
  function searchedString(v, method) {
    if (v !== null && (typeof v === "object" || typeof v === "function")) {
      if (isRegExp(v) || typeof v[method] === "function") return null;
    }
    return String(v);
  }
  function startOf(position, length) {
    return Math.min(Math.max(integerOf(position), 0), length);
  }
  [["indexOf", false], ["includes", false], ["lastIndexOf", true]].forEach(function (m) {
    var name = m[0], backwards = m[1], original = String.prototype[name];
    defineBounded(String.prototype, name, function (searchString, position) {
      if (this === null || this === undefined || isRegExp(searchString))
        return realApply.call(original, this, arguments);
      var s = String(this), t = String(searchString);
      if (!costly(s, t)) return original.call(s, t, position);
      var found;
      if (backwards) {
        var p = Number(position);
        found = search(s, t, p !== p ? Infinity : startOf(p, s.length), true);
      } else {
        found = search(s, t, startOf(position, s.length), false);
      }
      return name === "includes" ? found >= 0 : found;
    });
  });
  function splitBySearch(s, separator, most) {
    var parts = [], p = 0;
    if (most === 0) return parts;
    for (var q = search(s, separator, 0, false); q >= 0; q = search(s, separator, p, false)) {
      parts.push(s.slice(p, q));
      if (parts.length === most) return parts;
      p = q + separator.length;
    }
    parts.push(s.slice(p));
    return parts;
  }
  // replace by a string: its one match, found by search.
  function replaceBySearch(name, s, sought, replacement) {
    var at = search(s, sought, 0, false);
    if (at < 0) return s;
    var r = typeof replacement === "function"
        ? String(replacement.call(undefined, sought, at, s))
        : expand(String(replacement), [sought, at, s], name);
    if (s.length - sought.length + r.length > maxConcatenated) throw tooLongReplace(name);
    return s.slice(0, at) + r + s.slice(at + sought.length);
  }
  // replace takes its matches one at a time; replaceAll (the spec's way) finds them all first,
  // one object each (a string of 4 Mi characters: 4 Mi of them), so it runs as replace with
  // a global pattern, which answers the same.
  var originalReplace = String.prototype.replace;
  function boundedReplace(name, self, pattern, replacement) {
    var s = String(self), total = s.length, each;
    if (name === "replace") {
      var sought = searchedString(pattern, Symbol.replace);
      if (sought !== null) {
        if (costly(s, sought)) return replaceBySearch(name, s, sought, replacement);
        pattern = sought;
      }
    }
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
        pattern = new RegExp(originalReplace.call(String(pattern), /[.*+?^${}()|[\]\\\/]/g, "\\$&"), "g");
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
  // split by "" or by one character makes a string of each part, some 72 bytes a part, in one
  // Java call: a string of 1 Mi characters split by "" allocated 75 MB, past the memory bound
  // unchecked. A string that may make inSteps parts or more is split a slice of inSteps
  // characters at a time (no separator spans two), each slice counted as instructions, so
  // that the clock and the memory bound are checked between slices.
  var push = Array.prototype.push;
  function splitInChunks(s, separator, most) {
    var parts = [], carried = separator === "" ? null : "";
    if (most === 0) return parts;
    for (var i = 0; i < s.length; i += inSteps) {
      var slice = originalSplit.call(s.slice(i, i + inSteps), separator);
      if (carried !== null) {
        slice[0] = carried + slice[0];
        carried = slice.pop();
      }
      realApply.call(push, parts, slice);
      countCall(inSteps / charsPerInstruction);
      if (parts.length >= most) return parts.slice(0, most);
    }
    if (carried !== null) parts.push(carried);
    return parts.length > most ? parts.slice(0, most) : parts;
  }
  function boundedSplitOf(parts) {
    if (parts.length > maxElements) throw tooManyElements("split");
    return parts;
  }
  Object.defineProperty(String.prototype, "split", {
    value: function (separator, limit) {
      var most = limit === undefined ? 4294967295 : limit >>> 0;
      if (this !== undefined && this !== null && separator !== undefined) {
        var sought = searchedString(separator, Symbol.split);
        if (sought !== null) {
          var text = String(this);
          if (sought.length > 0 && costly(text, sought)) {
            var parts = splitBySearch(text, sought, Math.min(most, maxElements + 1));
            if (parts.length > maxElements) throw tooManyElements("split");
            return parts;
          }
          if (text.length / Math.max(1, sought.length) >= inSteps) {
            var made = sought.length <= 1 ? splitInChunks(text, sought, Math.min(most, maxElements + 1))
                : splitBySearch(text, sought, Math.min(most, maxElements + 1));
            return boundedSplitOf(made);
          }
          return most <= maxElements ? originalSplit.call(text, sought, limit)
              : boundedSplitOf(originalSplit.call(text, sought, maxElements + 1));
        }
      }
      if (isRegExp(separator) && this !== undefined && this !== null) {
        var s = String(this);
        if (s.length > inSteps) {
          var found = splitInSteps(s, separator, Math.min(most, maxElements + 1));
          if (found.length > maxElements) throw tooManyElements("split");
          return found;
        }
      }
      if (most <= maxElements) return originalSplit.call(this, separator, limit);
      return boundedSplitOf(originalSplit.call(this, separator, maxElements + 1));
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
        if (s.length * 3 > maxConcatenated && /[^\x00-\x7f]/.test(s)) throw tooLongString(name);
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
  ["reverse", "shift", "unshift", "splice", "slice", "every", "filter", "forEach", "map", "some",
   "find", "findIndex", "findLast", "findLastIndex", "reduce", "reduceRight",
   "copyWithin"].forEach(function (name) {
     guardLength(name);
   });
  // indexOf, lastIndexOf and includes compare each element with what they look for in one Java
  // call: 65,536 references to one string of 1 Mi characters, searched for another as long
  // that differs in its last character, were compared for 3.7 s. Looking for a string when
  // (elements × its length) is over maxSearched, they compare here, each string as long as it
  // counted by its characters.
  function sameStringCounted(e, x) {
    if (typeof e === "string" && e.length === x.length) countCall(1 + x.length / charsPerInstruction);
    return e === x;
  }
  [["indexOf", 1], ["lastIndexOf", -1], ["includes", 0]].forEach(function (m) {
    var name = m[0], original = Array.prototype[name];
    defineBounded(Array.prototype, name, function (x, fromIndex) {
      var o = Object(this), length = lengthOf(o);
      if (length > maxElements) throw tooLongToWalk(name);
      if (this === null || this === undefined || typeof x !== "string" || length * x.length <= maxSearched)
        return realApply.call(original, this, arguments);
      var k;
      if (m[1] < 0) {
        var n = arguments.length > 1 ? integerOf(fromIndex) : length - 1;
        for (k = n >= 0 ? Math.min(n, length - 1) : length + n; k >= 0; k--)
          if (k in o && sameStringCounted(o[k], x)) return k;
        return -1;
      }
      var from = integerOf(fromIndex);
      for (k = from >= 0 ? from : Math.max(length + from, 0); k < length; k++) {
        // includes reads a hole as undefined, never a string; indexOf skips it.
        if ((m[1] === 0 || k in o) && sameStringCounted(o[k], x)) return m[1] === 0 ? true : k;
      }
      return m[1] === 0 ? false : -1;
    });
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
    if (/^(\$.|input|multiline|lastMatch|lastParen|leftContext|rightContext)$/.test(name))
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
      return open + "\n" + inner + originalJoin.call(parts, ",\n" + inner) + "\n" + indent + close;
    }
    return serialize({"": value}, "", "");
  }
  Object.defineProperty(JSON, "stringify", {
    value: boundedStringify, writable: false, configurable: false, enumerable: false
  });
  // JSON.parse is one call too, making an object for every few characters of its text: a text
  // of 4 Mi characters is over a million objects the instruction count cannot interrupt.
  // Within that, "[" + "[],".repeat(349524) + "[]]" allocated 67 MB in one call, past the
  // memory bound unchecked: a text whose worst case (jsonParseBytes) is more than the call
  // may still allocate is refused before it is read.
  var nativeParse = JSON.parse;
  function mib(bytes) {
    return Math.ceil(bytes / 1048576);
  }
  Object.defineProperty(JSON, "parse", {
    value: function parse(text, reviver) {
      var s = String(text);
      if (s.length > max) throw new RangeError("JSON.parse: the text is longer than " + max + " characters");
      var need = jsonParseBytes(s), left = bytesLeft();
      if (need > left)
        throw new RangeError("JSON.parse: reading this text may allocate up to " + mib(need)
            + " MiB, more than the " + Math.floor(left / 1048576)
            + " MiB left of the script's memory limit");
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
