@NullMarked
package grapple.bench;

import org.jspecify.annotations.NullMarked;
