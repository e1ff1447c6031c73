@NullMarked
package grapple.testing;

import org.jspecify.annotations.NullMarked;
