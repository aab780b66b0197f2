// A C target needs a source file; everything CEpoll gives is in its header.
#include "CEpoll.h"
