#include <stdlib.h>
#include "ringbuffer.h"

#define RB_SIZE 256

int ring_buffer_init(struct ring_buffer *rb, size_t size)
{
    rb->data = malloc(size);
    rb->head = rb->tail = 0;
    return rb->data ? 0 : -1;
}

int ring_buffer_push(struct ring_buffer *rb, unsigned char byte)
{
    rb->data[rb->head] = byte;
    rb->head = (rb->head + 1) % RB_SIZE;
    return 0;
}

int ring_buffer_pop(struct ring_buffer *rb, unsigned char *out)
{
    *out = rb->data[rb->tail];
    rb->tail = (rb->tail + 1) % RB_SIZE;
    return 0;
}

void ring_buffer_free(struct ring_buffer *rb)
{
    free(rb->data);
    rb->data = NULL;
}
