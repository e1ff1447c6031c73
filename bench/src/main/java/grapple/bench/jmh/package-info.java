@NullMarked
package grapple.bench.jmh;

import org.jspecify.annotations.NullMarked;
