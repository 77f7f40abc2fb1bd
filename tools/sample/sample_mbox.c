#include "sample_people.h"

#include "custody/banned.h"

int sample_write_mail(sample_world *w)
{
	(void)w;
	return 0;
}
