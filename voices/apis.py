from rest_framework.response import Response
from rest_framework.views import APIView

from voices.presets import voice_list


class VoiceListApi(APIView):
    def get(self, request):
        return Response({"voices": voice_list()})
