package com.example;

import android.graphics.Bitmap;
import android.graphics.BitmapFactory;
import java.io.InputStream;

public class ImageLoader {
    private final int maxDimension;

    public ImageLoader(int maxDimension) {
        this.maxDimension = maxDimension;
    }

    public Bitmap decodeBitmap(InputStream stream) {
        BitmapFactory.Options options = new BitmapFactory.Options();
        options.inPreferredConfig = Bitmap.Config.ARGB_8888;
        return BitmapFactory.decodeStream(stream, null, options);
    }

    public int getMaxDimension() {
        return maxDimension;
    }
}
