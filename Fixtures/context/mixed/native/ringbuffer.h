#ifndef RINGBUFFER_H
#define RINGBUFFER_H
#include <stddef.h>

struct ring_buffer {
    unsigned char *data;
    size_t head;
    size_t tail;
};

int ring_buffer_init(struct ring_buffer *rb, size_t size);
int ring_buffer_push(struct ring_buffer *rb, unsigned char byte);
int ring_buffer_pop(struct ring_buffer *rb, unsigned char *out);
void ring_buffer_free(struct ring_buffer *rb);
#endif
