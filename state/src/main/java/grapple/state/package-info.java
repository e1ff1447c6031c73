@NullMarked
package grapple.state;

import org.jspecify.annotations.NullMarked;
